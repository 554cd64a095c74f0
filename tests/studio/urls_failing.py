from django.urls import path


def boom(request):
    return 1 // 0


urlpatterns = [path("boom/", boom)]
