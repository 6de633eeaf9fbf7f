from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import MultipleFileField
from portal.models import Bureau, User

from .models import AssistanceRequest, RequestType
from .services import default_time_limits


class RequestForm(forms.ModelForm):
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = AssistanceRequest
        fields = ["requested_bureau", "request_type", "title", "items", "time_limit_days"]
        widgets = {"items": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, case, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_bureau"].queryset = Bureau.objects.filter(
            pk__in=case.participants.values("bureau_id")
        ).exclude(pk=user.bureau_id)
        limits = "; ".join(
            f"{label} {days}"
            for label, days in zip(RequestType.labels, default_time_limits().values(), strict=True)
        )
        self.fields["time_limit_days"].help_text = (
            _(
                "The due date is counted in working days on the mainland calendar from the day the request is sent; "
                "that day itself is not counted."
            )
            + " "
            + _("Leave empty for the default of the request type (%(limits)s).") % {"limits": limits}
        )
        self.fields["time_limit_days"].required = False
        self.fields["time_limit_days"].min_value = 1
        self.fields["time_limit_days"].widget.attrs.update(min=1, max=90)
        if self.instance.pk:
            del self.fields["requested_bureau"]

    def clean_time_limit_days(self):
        days = self.cleaned_data["time_limit_days"]
        if days is None:
            return None  # the service fills in the request type's default
        if not 1 <= days <= 90:
            raise forms.ValidationError(_("The time limit must be between 1 and 90 working days."))
        return days


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args, request: AssistanceRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            team_id=request.requested_team_id, is_active=True, role__in=[User.Role.OFFICER, User.Role.LEADER]
        ).order_by("role", "username")


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Documents"), required=False)


class ApproveForm(forms.Form):
    """The approving leader may change the time limit the drafter proposed."""

    time_limit_days = forms.IntegerField(
        label=_("Time limit (working days)"), min_value=1, max_value=90, required=False
    )


class ExtensionForm(forms.Form):
    new_due_date = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Why more time is needed"), widget=forms.Textarea(attrs={"rows": 2}))
