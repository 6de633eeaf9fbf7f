"""The known django-guardian traps, closed: global permissions, cached checks, orphaned permission rows."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases import services
from cases.models import CaseGroupObjectPermission, CaseUserObjectPermission, JointCase
from cases.permissions import visible_cases

pytestmark = pytest.mark.django_db


def test_a_global_view_permission_never_widens_the_case_list(joint_case, hz_officer2, login_as):
    hz_officer2.user_permissions.add(Permission.objects.get(codename="view_jointcase"))
    assert hz_officer2.has_perm("cases.view_jointcase")  # Django's own check says yes…
    assert not visible_cases(hz_officer2).filter(pk=joint_case.pk).exists()  # …the policy does not
    client = login_as(hz_officer2)
    assert joint_case.title not in client.get(reverse("cases:list")).content.decode()
    assert client.get(reverse("cases:detail", args=[joint_case.pk])).status_code == 404


def test_a_revocation_is_seen_by_the_same_user_object_at_once(joint_case, sz_officer, sz_officer2):
    services.member_add(case=joint_case, user=sz_officer2, actor=sz_officer)
    assert visible_cases(sz_officer2).filter(pk=joint_case.pk).exists()  # fills any per-object cache
    services.member_remove(case=joint_case, user=sz_officer2, actor=sz_officer)
    assert not visible_cases(sz_officer2).filter(pk=joint_case.pk).exists()


def test_permission_rows_do_not_survive_their_case(joint_case):
    assert CaseUserObjectPermission.objects.filter(content_object=joint_case).exists()
    assert CaseGroupObjectPermission.objects.filter(content_object=joint_case).exists()
    JointCase.objects.filter(pk=joint_case.pk).delete()
    assert not CaseUserObjectPermission.objects.exists()
    assert not CaseGroupObjectPermission.objects.exists()


def test_case_permissions_use_the_direct_foreign_key_tables(joint_case):
    from guardian.models import GroupObjectPermission, UserObjectPermission

    assert not UserObjectPermission.objects.exists() and not GroupObjectPermission.objects.exists()
    assert CaseUserObjectPermission.objects.filter(
        content_object=joint_case, permission__codename="view_jointcase"
    )


def test_the_case_list_filter_is_one_sql_query_with_subqueries(sz_officer, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        list(visible_cases(sz_officer).values_list("pk", flat=True))
    sql = captured.captured_queries[0]["sql"]
    assert "cases_caseuserobjectpermission" in sql and "IN (SELECT" in sql
