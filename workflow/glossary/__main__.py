"""`python -m workflow.glossary > docs/glossary.md`: the glossary as Markdown."""
from workflow.glossary import catalog_translator, markdown

print(markdown(catalog_translator()), end="")
