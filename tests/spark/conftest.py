"""The Spark tests' fixtures (``spark``, ``spark_env``) live in tests/conftest.py: the core tests
parametrised over engines (``engine_ws``, ``ENGINES``) use them too."""
