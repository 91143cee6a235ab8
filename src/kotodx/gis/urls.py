from django.urls import path

from kotodx.gis import ogc, staff_views, views

app_name = "gis"

urlpatterns = [
    path("ogc/", ogc.landing, name="ogc_landing"),
    path("ogc/api", ogc.api, name="ogc_api"),
    path("ogc/conformance", ogc.conformance, name="ogc_conformance"),
    path("ogc/collections", ogc.collections, name="ogc_collections"),
    path("ogc/collections/<slug:collection_id>", ogc.collection, name="ogc_collection"),
    path("ogc/collections/<slug:collection_id>/items", ogc.items, name="ogc_items"),
    path("ogc/collections/<slug:collection_id>/items/<int:fid>", ogc.item, name="ogc_item"),
    path("ogc/collections/<slug:collection_id>/queryables", ogc.queryables, name="ogc_queryables"),
    path("map/", views.public_map, name="map"),
    path("staff/gis/layers/", staff_views.layer_list, name="staff_layers"),
    path("staff/gis/layers/<slug:name>/", staff_views.layer_edit, name="staff_layer_edit"),
    path("staff/gis/query/", staff_views.spatial_query, name="staff_query"),
    path("map/geocode", views.geocode, name="geocode"),
]
