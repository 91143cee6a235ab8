from django.urls import path

from kotodx.security import taxii

app_name = "taxii"

urlpatterns = [
    path("", taxii.discovery, name="discovery"),
    path("koto/", taxii.api_root, name="api_root"),
    path("koto/collections/", taxii.collections, name="collections"),
    path("koto/collections/<str:collection_id>/", taxii.collection, name="collection"),
    path("koto/collections/<str:collection_id>/objects/", taxii.objects, name="objects"),
    path("koto/collections/<str:collection_id>/objects/<str:object_id>/", taxii.objects, name="object"),
    path(
        "koto/collections/<str:collection_id>/objects/<str:object_id>/versions/",
        taxii.versions,
        name="versions",
    ),
    path("koto/collections/<str:collection_id>/manifest/", taxii.manifest, name="manifest"),
]
