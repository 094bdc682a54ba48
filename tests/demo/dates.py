"""The day the demo tests build the demo town on."""

import datetime

TODAY = datetime.date(2026, 11, 18)
