# `pytester` runs inner pytest sessions, for what the fixture does when the server misbehaves.
pytest_plugins = ["pytester"]
