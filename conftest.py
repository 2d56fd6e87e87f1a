"""Settings shared by every test folder of the repository (tests/, plugins/*/tests, examples/).

Property tests measure behaviour, never speed (speed is measured in bench/): on a loaded machine a slow
example must not fail a test, so hypothesis has no deadline and no too-slow health check here.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("ta-delivery", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ta-delivery")
