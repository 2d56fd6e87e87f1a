"""ta_delivery plugin for zoom."""
