"""Production settings: DEBUG off; every secret and address from the environment."""

import os

os.environ["DJANGO_DEBUG"] = "0"

from .settings import *  # noqa: E402,F403
