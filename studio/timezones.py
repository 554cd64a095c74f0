import zoneinfo

# Canonical region/city names only, so "Europe/London" appears but not aliases like "GB".
TIME_ZONE_CHOICES = [
    (name, name.replace("_", " "))
    for name in sorted(zoneinfo.available_timezones())
    if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix", "right"))
] + [("UTC", "UTC")]

TIME_ZONE_NAMES = frozenset(name for name, _label in TIME_ZONE_CHOICES)
