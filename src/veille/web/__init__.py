"""The web dashboard and REST API (``veille serve``): ``create_app(workspace)``."""
