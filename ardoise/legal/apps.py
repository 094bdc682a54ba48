"""The town's public statements: RGAA accessibility statement, RGPD processing notice, register of processing."""

from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "ardoise.legal"
    label = "legal"

    def ready(self) -> None:
        # Every page's footer says the accessibility statement's level: the TownMiddleware reads the statement
        # with the town, in the same query.
        from ardoise.towns.middleware import TOWN_RELATED

        if "accessibility_statement" not in TOWN_RELATED:
            TOWN_RELATED.append("accessibility_statement")
