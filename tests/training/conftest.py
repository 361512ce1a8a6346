from tiny_recipe import tiny_overrides  # noqa: F401 (tests here import it from conftest)

import embedsafe

ALL_IDS = [row.id for row in embedsafe.rows()]
