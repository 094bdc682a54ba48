"""The quotient familial: its history with source and date, and fetching it from API Particulier."""
