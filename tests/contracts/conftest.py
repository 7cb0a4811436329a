from __future__ import annotations

import sys
from pathlib import Path

# The AWS tests' canned answers, checked here against botocore's models.
sys.path.insert(0, str(Path(__file__).parents[1] / "collectors" / "cloud" / "aws"))
