"""ta_delivery plugin for webex."""
