"""Every write of the open data catalog, atomic and audited: datasets, resources and their versions,
validation (a background job) and publication, download counts."""

from __future__ import annotations

import csv
import hashlib
import io
import mimetypes
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from kotodx.core.jobs import job_handler
from kotodx.core.models import Job, User
from kotodx.core.selectors import is_ward_wide
from kotodx.core.services import audit_record, job_progress, job_start, model_snapshot
from kotodx.opendata import datastore, search, validation
from kotodx.opendata.models import Dataset, DownloadCount, Group, Resource, ResourceVersion, Tag

TABULAR = {"CSV", "TSV"}
# Called (resource) after a new version of a resource is published, e.g. by the GIS to refresh the layers
# made from it. Modules register here in their AppConfig.ready(), so open data does not import them.
PUBLISHED_HOOKS: list[Callable[[Resource], None]] = []


def can_edit(user: User, dataset: Dataset | None = None, department_id: int | None = None) -> bool:
    """Departments edit their own datasets; the IT division edits all."""
    if not user.is_authenticated or not user.has_perm("opendata.change_dataset"):
        return False
    dept = dataset.department_id if dataset is not None else department_id
    return is_ward_wide(user) or (user.department_id is not None and user.department_id == dept)


def _require_edit(user: User, dataset: Dataset | None = None, department_id: int | None = None) -> None:
    if not can_edit(user, dataset, department_id):
        raise PermissionDenied("このデータセットを編集できるのは、公開部署の担当者と情報システム課です。")


def _snapshot(dataset: Dataset) -> dict[str, Any]:
    data = model_snapshot(dataset, exclude=["metadata_modified"])
    data["tags"] = sorted(t.name for t in dataset.tags.all())
    data["groups"] = sorted(g.name for g in dataset.groups.all())
    return data


# --- Datasets ---------------------------------------------------------------------------------------


@transaction.atomic
def dataset_save(
    *, dataset: Dataset | None, data: dict[str, Any], tags: list[str], groups: list[Group], actor: User | None
) -> Dataset:
    """Create (dataset=None) or update a dataset's metadata. Tags are created as needed."""
    if actor is not None:
        department = data.get("department")
        _require_edit(actor, dataset, department.pk if department is not None else None)
    created = dataset is None
    before = None if dataset is None else _snapshot(dataset)
    obj = dataset or Dataset()
    for key, value in data.items():
        setattr(obj, key, value)
    if obj.state == Dataset.State.ACTIVE and obj.issued is None:
        obj.issued = timezone.now()
    obj.full_clean()
    obj.save()
    obj.tags.set([Tag.objects.get_or_create(name=t.strip()[:100])[0] for t in tags if t.strip()])
    obj.groups.set(groups)
    search.index_dataset(obj)
    after = _snapshot(obj)
    if created:
        audit_record(actor=actor, action="create", target=obj, after=after)
    elif before != after:
        audit_record(actor=actor, action="update", target=obj, before=before, after=after)
    return obj


@transaction.atomic
def dataset_publish(*, dataset: Dataset, actor: User) -> Dataset:
    _require_edit(actor, dataset)
    if not actor.has_perm("opendata.publish_dataset"):
        raise PermissionDenied("データセットを公開する権限がありません。")
    resources = list(dataset.resources.filter(state=Resource.State.ACTIVE))
    if not resources:
        raise ValidationError("リソース（ファイルまたはURL）が1つもないデータセットは公開できません。")
    blocked = [
        r.name
        for r in resources
        if r.is_upload
        and r.validation_status not in (Resource.Validation.VALID, Resource.Validation.OVERRIDDEN)
    ]
    if blocked:
        raise ValidationError(
            f"検証に合格していないリソースがあります: {'、'.join(blocked)}。"
            "ファイルを直すか、エラーを承知で公開する操作をしてください。"
        )
    before = _snapshot(dataset)
    dataset.state = Dataset.State.ACTIVE
    dataset.issued = dataset.issued or timezone.now()
    dataset.save()
    audit_record(
        actor=actor, action="update", target=dataset, before=before, after=_snapshot(dataset), note="公開"
    )
    return dataset


@transaction.atomic
def dataset_unpublish(*, dataset: Dataset, actor: User, delete: bool = False) -> Dataset:
    _require_edit(actor, dataset)
    before = _snapshot(dataset)
    dataset.state = Dataset.State.DELETED if delete else Dataset.State.DRAFT
    dataset.save()
    audit_record(
        actor=actor,
        action="delete" if delete else "update",
        target=dataset,
        before=before,
        after=_snapshot(dataset),
        note="削除" if delete else "非公開に戻す",
    )
    return dataset


# --- Resources --------------------------------------------------------------------------------------


@transaction.atomic
def resource_create(
    *,
    dataset: Dataset,
    name: str,
    description: str = "",
    url: str = "",
    fmt: str = "",
    schema: str = "",
    actor: User | None,
) -> Resource:
    if actor is not None:
        _require_edit(actor, dataset)
    position = (dataset.resources.aggregate(m=Max("position"))["m"] or 0) + 1
    guessed = fmt or (url.rsplit(".", 1)[-1].upper() if url and "." in url.rsplit("/", 1)[-1] else "")
    resource = Resource(
        dataset=dataset,
        name=name,
        description=description,
        url=url,
        format=guessed[:20],
        schema=schema,
        position=position,
        mimetype=mimetypes.guess_type(url)[0] or "" if url else "",
    )
    resource.full_clean()
    resource.save()
    search.index_dataset(dataset)
    Dataset.objects.filter(pk=dataset.pk).update(metadata_modified=timezone.now())
    audit_record(actor=actor, action="create", target=resource, after=model_snapshot(resource))
    return resource


@transaction.atomic
def resource_upload(
    *, resource: Resource, filename: str, data: bytes, actor: User | None, run_now: bool = False
) -> tuple[ResourceVersion, Job | None]:
    """Store a new file as the next version and validate it in the background. The current version
    stays published until the new one passes (or an officer publishes it despite errors)."""
    if actor is not None:
        _require_edit(actor, resource.dataset)
    if not data:
        raise ValidationError("ファイルが空です。")
    if len(data) > validation.MAX_BYTES:
        raise ValidationError(
            f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.0f}MB）。"
            f"{validation.MAX_BYTES // 1024 // 1024}MBまでにしてください。"
        )
    number = (resource.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = ResourceVersion(
        resource=resource,
        number=number,
        original_name=filename[-255:],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    version.file.save(f"{resource.pk.hex}-{number}.bin", ContentFile(data), save=False)
    version.save()
    Resource.objects.filter(pk=resource.pk).update(validation_status=Resource.Validation.PENDING)
    audit_record(
        actor=actor,
        action="create",
        target=version,
        after={"file": filename, "size": len(data), "sha256": version.sha256},
    )
    if run_now or actor is None:
        transaction.on_commit(lambda: version_validate(version=ResourceVersion.objects.get(pk=version.pk)))
        return version, None
    job = job_start(
        kind="opendata.validate",
        title=f"「{resource.name}」の検証と公開",
        actor=actor,
        params={"version": version.pk},
    )
    return version, job


@job_handler("opendata.validate")
def _validate_job(job: Job) -> dict[str, Any]:
    version = ResourceVersion.objects.select_related("resource__dataset").get(pk=job.params["version"])
    report = version_validate(
        version=version, progress=lambda n: job_progress(job.pk, done=n, message=f"{n:,} 行を検証しました")
    )
    return {
        "valid": report.get("valid", False),
        "problems": len(report.get("problems", [])),
        "status": ResourceVersion.objects.get(pk=version.pk).status,
    }


def version_validate(*, version: ResourceVersion, progress: Any = None) -> dict[str, Any]:
    """Check a version's file; a valid one is published at once (its rows go to the DataStore)."""
    resource = version.resource
    data = version.file.open("rb").read()
    try:
        report = validation.validate_csv(data, schema=resource.schema or None, progress=progress)
    except validation.FileProblem as exc:
        report_dict = {
            "valid": False,
            "problems": [{"row": None, "column": None, "code": "unreadable", "message": str(exc)}],
            "encoding_label": "",
        }
        with transaction.atomic():
            ResourceVersion.objects.filter(pk=version.pk).update(
                status=ResourceVersion.Status.UNREADABLE, report=report_dict
            )
            _restore_status(resource)
        return report_dict
    report_dict = report.to_dict()
    with transaction.atomic():
        ResourceVersion.objects.filter(pk=version.pk).update(
            status=ResourceVersion.Status.VALID if report.valid else ResourceVersion.Status.INVALID,
            report=report_dict,
            encoding=validation.decode_csv(data).encoding,
            encoding_label=report.encoding_label,
        )
        if not resource.schema and report.schema:
            Resource.objects.filter(pk=resource.pk).update(schema=report.schema)
        if not report.valid:
            _restore_status(resource)
    if report.valid:
        version_publish(version=ResourceVersion.objects.get(pk=version.pk), actor=None, override_reason="")
    return report_dict


def _restore_status(resource: Resource) -> None:
    """A failed new version leaves the published one as it was (and says that the upload failed)."""
    current = Resource.objects.get(pk=resource.pk).current_version
    status = (
        Resource.Validation.INVALID
        if current is None
        else (
            Resource.Validation.OVERRIDDEN
            if resource.validation_override_reason
            else Resource.Validation.VALID
        )
    )
    Resource.objects.filter(pk=resource.pk).update(validation_status=status)


@transaction.atomic
def version_publish(*, version: ResourceVersion, actor: User | None, override_reason: str) -> Resource:
    """Make a version the published file of its resource (override_reason: published despite errors)."""
    resource = Resource.objects.select_for_update().select_related("dataset").get(pk=version.resource_id)
    if actor is not None:
        _require_edit(actor, resource.dataset)
    if version.status == ResourceVersion.Status.UNREADABLE:
        raise ValidationError("読めないファイルは公開できません。")
    if version.status == ResourceVersion.Status.INVALID and not override_reason.strip():
        raise ValidationError("エラーのあるファイルを公開するには、その理由を入力してください。")
    before = model_snapshot(resource)
    data = version.file.open("rb").read()
    decoded = validation.decode_csv(data)
    ResourceVersion.objects.filter(resource=resource, status=ResourceVersion.Status.PUBLISHED).update(
        status=ResourceVersion.Status.RETIRED
    )
    ResourceVersion.objects.filter(pk=version.pk).update(status=ResourceVersion.Status.PUBLISHED)
    resource.current_version = version
    resource.size, resource.hash = version.size, f"sha256:{version.sha256}"
    resource.encoding = decoded.label
    resource.format = resource.format or "CSV"
    resource.mimetype = "text/csv"
    resource.last_modified = timezone.now()
    resource.validation_status = (
        Resource.Validation.OVERRIDDEN if override_reason.strip() else Resource.Validation.VALID
    )
    resource.validation_override_reason = override_reason.strip()
    resource.save()
    header, rows = _rows(decoded.text)
    datastore.load(resource, version.number, header, rows)
    Dataset.objects.filter(pk=resource.dataset_id).update(metadata_modified=timezone.now())
    audit_record(
        actor=actor,
        action="update",
        target=resource,
        before=before,
        after=model_snapshot(resource),
        note=f"第{version.number}版を公開"
        + (f"（エラーを承知で: {override_reason.strip()}）" if override_reason.strip() else ""),
    )
    for hook in PUBLISHED_HOOKS:
        transaction.on_commit(lambda hook=hook: hook(resource))  # type: ignore[misc]
    return resource


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    rows = [r for r in reader]
    while rows and not "".join(rows[-1]).strip().replace("\u3000", ""):
        rows.pop()  # trailing blank rows, as Koto's files end
    while header and not header[-1].strip():
        header.pop()  # the empty trailing column Koto's older layout has
    return [h.strip() for h in header], rows


def download_record(resource: Resource) -> None:
    month = timezone.localdate().replace(day=1)
    updated = DownloadCount.objects.filter(resource=resource, month=month).update(count=F("count") + 1)
    if not updated:
        obj, created = DownloadCount.objects.get_or_create(
            resource=resource, month=month, defaults={"count": 1}
        )
        if not created:
            DownloadCount.objects.filter(pk=obj.pk).update(count=F("count") + 1)
