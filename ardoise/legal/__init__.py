"""The town's public statements: RGAA accessibility statement, RGPD processing notice, register of processing."""
