"""Staff roles (Django groups) and the permissions each one holds: the least-privilege matrix in one place.

Modules add their permissions to ROLE_PERMISSIONS here, so that who may do what is read on one page.
A permission whose app is not installed is skipped. Department scoping (a clerk sees only their own
department's objects) is applied in each module's selectors with ``core.selectors.scope_to_department``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    name_en: str
    description: str


SYSTEM_ADMIN = Role("system_admin", "システム管理者", "System administrator", "職員・部署・権限を管理する。")
IT_OFFICER = Role(
    "it_officer", "情報システム課職員", "IT-division officer", "区全体の情報化を所管し、全部署の情報を扱う。"
)
DEPT_CLERK = Role("dept_clerk", "部署担当者", "Department clerk", "自部署の業務データを扱う。")
COMMITTEE = Role(
    "committee",
    "電子自治体推進委員",
    "Committee member",
    "推進委員会として計画の進捗を承認し、意見を記録する。",
)
SUBCOMMITTEE = Role(
    "subcommittee", "専門部会員", "Expert sub-committee member", "専門部会として計画の進捗を審査する。"
)
AUDITOR = Role("auditor", "監査員", "Auditor", "全ての記録を閲覧できるが、変更はできない。")
CSIRT_PARTNER = Role(
    "csirt_partner",
    "CSIRT連携先",
    "CSIRT partner",
    "他の自治体・機関のCSIRT。共有を許されたTAXIIコレクションだけをAPIトークンで読む。",
)

ROLES: tuple[Role, ...] = (
    SYSTEM_ADMIN,
    IT_OFFICER,
    DEPT_CLERK,
    SUBCOMMITTEE,
    COMMITTEE,
    AUDITOR,
    CSIRT_PARTNER,
)
ROLE_BY_CODE = {r.code: r for r in ROLES}

# Permissions that go together, named once ("app_label.codename").
_PUBLISH_DATA = [
    "opendata.view_dataset",
    "opendata.add_dataset",
    "opendata.change_dataset",
    "opendata.publish_dataset",
]
_RUN_PROCEDURES = [
    "eapply.view_procedure",
    "eapply.add_procedure",
    "eapply.change_procedure",
    "eapply.build_form",
    "eapply.process_submission",
]
_MANAGE_LAYERS = ["gis.view_layer", "gis.add_layer", "gis.change_layer", "gis.manage_layer"]
_KEEP_SYSTEMS = ["governance.view_system", "governance.add_system", "governance.change_system"]
_BUILD_ROBOTS = [
    "automation.view_robot",
    "automation.add_robot",
    "automation.change_robot",
    "automation.run_robot",
]
_SCAN_SITES = ["a11y.view_scan", "a11y.run_scan"]
_ANSWER_RESIDENTS = [
    "assistant.view_faq",
    "assistant.manage_faq",
    "assistant.view_inquiry",
    "assistant.route_inquiry",
]
_DIGITISE_FORMS = ["assistant.view_ocrdocument", "assistant.digitise_form"]
_WARD_RECORDS = ["core.view_auditentry", "core.view_department", "core.view_user", "core.view_all_jobs"]

# Role → the permissions it is granted.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    SYSTEM_ADMIN.code: [
        *_WARD_RECORDS,
        "core.change_accessibilitypolicy",
        "core.add_department",
        "core.change_department",
        "core.add_user",
        "core.change_user",
        "plan.manage_plan",
        "plan.view_internal_progress",
        *_PUBLISH_DATA,
        "opendata.delete_dataset",
        *_RUN_PROCEDURES,
        *_MANAGE_LAYERS,
        "governance.view_system",
        "assistant.view_faq",
        "assistant.manage_faq",
    ],
    IT_OFFICER.code: [
        *_WARD_RECORDS,
        "core.change_accessibilitypolicy",
        "plan.manage_plan",
        "plan.draft_progress",
        "plan.check_progress",
        "plan.view_internal_progress",
        *_PUBLISH_DATA,
        "opendata.delete_dataset",
        *_RUN_PROCEDURES,
        *_MANAGE_LAYERS,
        *_KEEP_SYSTEMS,
        "governance.decide_gate",
        "governance.manage_guideline",
        "governance.manage_audit",
        "governance.update_action",
        "governance.manage_pia",
        "governance.manage_training",
        "security.view_incident",
        "security.add_incident",
        "security.change_incident",
        "security.report_incident",
        "security.handle_incident",
        "security.share_stix",
        *_BUILD_ROBOTS,
        *_SCAN_SITES,
        *_ANSWER_RESIDENTS,
        "assistant.view_routingmodel",
        "assistant.add_routingmodel",
        *_DIGITISE_FORMS,
    ],
    DEPT_CLERK.code: [
        "core.view_department",
        "plan.draft_progress",
        "plan.view_internal_progress",
        *_PUBLISH_DATA,
        *_RUN_PROCEDURES,
        "gis.view_layer",
        *_KEEP_SYSTEMS,
        "governance.update_action",
        "governance.manage_pia",
        "security.view_incident",
        "security.report_incident",
        *_BUILD_ROBOTS,
        *_SCAN_SITES,
        *_ANSWER_RESIDENTS,
        *_DIGITISE_FORMS,
    ],
    SUBCOMMITTEE.code: [
        "core.view_department",
        "plan.review_progress",
        "plan.view_internal_progress",
    ],
    COMMITTEE.code: [
        "core.view_department",
        "plan.approve_progress",
        "plan.view_internal_progress",
    ],
    AUDITOR.code: [
        *_WARD_RECORDS,
        "plan.view_internal_progress",
        "opendata.view_dataset",
        "eapply.view_procedure",
        "gis.view_layer",
        "governance.view_system",
        "security.view_incident",
        "automation.view_robot",
        "a11y.view_scan",
        "assistant.view_faq",
        "assistant.view_inquiry",
        "assistant.view_routingmodel",
        "assistant.view_ocrdocument",
    ],
    # A partner CSIRT holds no permission: it reads the TAXII collections that list it as a reader.
    CSIRT_PARTNER.code: [],
}

# Roles whose holders see every department's records (others see their own department's only).
WARD_WIDE_ROLES = {SYSTEM_ADMIN.code, IT_OFFICER.code, AUDITOR.code}
