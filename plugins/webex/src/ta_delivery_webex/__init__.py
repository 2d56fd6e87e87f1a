"""ta_delivery plugin for Webex Meetings.

- :mod:`.plugin`: the entry point (provider ``webex``, import format ``webex-csv``).
- :mod:`.options`: the course file's ``[webex]`` table.
- :mod:`.sansio`: pure mapping between our records and Webex JSON.
- :mod:`.auth`: bearer token or the integration's refresh flow.
- :mod:`.provider`: the provider on an injected HTTP client.
- :mod:`.webhooks`: signed participant events to attendance segments.
- :mod:`.csvimport`: the attendee report export.
"""

__version__ = "0.1.0"
