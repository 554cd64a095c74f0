def studio(request) -> dict:
    return {"studio": getattr(request, "studio", None)}
