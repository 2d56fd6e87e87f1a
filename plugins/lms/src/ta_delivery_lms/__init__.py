"""ta_delivery plugin for lms."""
