"""A person's face on the client's gallery page, for its "People" filter: served only to
whoever may open the gallery, and only for people the filter offers."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from gallery.people import face_crop_bytes, people_for_client, person_face_for_client
from gallery.views import page_viewer, private_response


@require_safe
def person_face(request, slug, number):
    viewer = page_viewer(request, slug)
    people = people_for_client(
        gallery_id=viewer.gallery.pk, face_features=request.studio.face_features
    )
    person = next((person for person in people if person.number == number), None)
    face = person_face_for_client(person) if person else None
    data = face_crop_bytes(face) if face else None
    if data is None:
        raise Http404
    return private_response(HttpResponse(data, content_type="image/jpeg"), max_age=3600)
