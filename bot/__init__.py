"""supportbot: a multilingual support assistant for a cryptocurrency exchange."""

import os

# Set before faiss, scikit-learn or numpy load their OpenMP runtime, which reads it once:
# idle OpenMP threads otherwise spin for a while before they sleep. With two server
# processes on two cores the spinning threads took half a core each and a 5 ms parse
# became 150-300 ms; passive waiting measured the same speed as one process alone.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.11.30"  # the same as pyproject.toml (tests/test_version.py)
