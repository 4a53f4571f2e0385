"""What every wing shares: positions, findings, languages, settings, the code policy."""
