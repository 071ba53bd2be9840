"""The program's tables of duties are complete: every effect a template names has a
handler, every step that records inputs has a cleaner, and the page's parts never speak
over each other."""
from datetime import date

import pytest

from workflow.engine.processes import TEMPLATES
from workflow.programs import effects, page, steps


def transitions():
    return [t for template in TEMPLATES.values() for t in template.transitions]


def test_every_effect_a_template_names_has_a_handler():
    named = {effect for t in transitions() for effect in t.effects}
    assert named and named - set(effects.EFFECTS) == set()
    assert set(effects.EFFECTS) - named == set(), "a handler no template names"


def test_every_step_with_inputs_is_a_step():
    assert set(steps.STEP_INPUTS) <= {t.name for t in transitions()}


@pytest.mark.parametrize("name", sorted(steps.STEP_INPUTS))
def test_a_steps_fields_ask_for_every_input_its_cleaner_reads(app, name):
    """Each field the cleaner can refuse is in the step's fields template, and the
    cleaner's values are the fields' names."""
    source = app.jinja_env.loader.get_source(app.jinja_env, steps.STEP_INPUTS[name].fields)[0]
    values, errors = steps.STEP_INPUTS[name].clean({}, date(2026, 12, 1), date(2026, 12, 1))
    assert errors and set(errors) <= set(values)
    for field in values:
        assert f'name="{field}"' in source, field


@pytest.mark.parametrize("fragment", sorted(page.FRAGMENT_PARTS))
def test_every_fragment_names_parts_that_exist(fragment):
    assert set(page.FRAGMENT_PARTS[fragment]) <= set(page.PAGE_PARTS)
