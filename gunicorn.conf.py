"""gunicorn reads this file from the folder it is started in (the repository's root).

The environment is checked once, in the master, before any worker is forked, so a
missing SECRET_KEY in production ends in gunicorn's one line "Error: SECRET_KEY must
be set in production: ..." (exit 1) instead of every worker failing in turn.
"""


def on_starting(server):
    # Imported here, not at the top: gunicorn has put the app's folder on sys.path by now.
    from app import check_environment

    check_environment()  # a ConfigurationError is a RuntimeError: gunicorn prints it and exits 1
