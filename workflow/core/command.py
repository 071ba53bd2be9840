"""The one transaction of a use case: ``@command`` commits what the function wrote, or
rolls all of it back if it raised (a refusal, a crash, a lost race).
"""
import functools

from sqlmodel import Session

from workflow.core.db import begin_write


def command(fn):
    """Commit what ``fn`` wrote, or roll all of it back if it raised."""
    @functools.wraps(fn)
    def run(session: Session, *args, **kwargs):
        try:
            begin_write(session)
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
    return run
