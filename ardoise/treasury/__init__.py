"""Invoices handed over to the Trésor public (PES V2 to Hélios) and exports for the town's finance software."""
