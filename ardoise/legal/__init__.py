"""The town's public-service statements: the RGAA accessibility statement, the RGPD processing notice and the register of processing."""
