from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from portal.models import Team, User

from .models import Category, JointCase, Party
from .validators import normalize_uscc


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # an empty list would otherwise skip the required check
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single_clean(d, initial) for d in data]
        return [single_clean(data, initial)] if data else []


class CaseForm(forms.ModelForm):
    partner_teams = forms.ModelMultipleChoiceField(
        label=_("Partner teams"),
        queryset=Team.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The team in charge on each partner bureau's side; its leaders will see the case."),
    )

    class Meta:
        model = JointCase
        fields = ["title", "summary", "category"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        teams = (
            Team.objects.select_related("bureau")
            .filter(bureau__is_active=True)
            .exclude(bureau_id=user.bureau_id)
        )
        self.fields["partner_teams"].queryset = teams
        self.fields["partner_teams"].label_from_instance = lambda team: f"{team.bureau} · {team}"

    def clean_partner_teams(self):
        teams = self.cleaned_data["partner_teams"]
        bureaus = [team.bureau_id for team in teams]
        if len(set(bureaus)) != len(bureaus):
            raise forms.ValidationError(_("Choose one team per partner bureau."))
        return teams


class CaseEditForm(forms.ModelForm):
    class Meta:
        model = JointCase
        fields = ["title", "summary", "category"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}


class PartyForm(forms.ModelForm):
    class Meta:
        model = Party
        fields = ["kind", "name", "uscc", "id_number", "platform", "platform_account_id", "address", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Codes are often pasted with spaces or in full-width characters: the clean_ methods fold them,
        # and the model's validators then check the length of the folded value with a clear message.
        for name in ("uscc", "id_number"):
            field = self.fields[name]
            field.max_length = None
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs.pop("maxlength", None)

    def clean_uscc(self):
        return normalize_uscc(self.cleaned_data.get("uscc", ""))

    def clean_id_number(self):
        return normalize_uscc(self.cleaned_data.get("id_number", ""))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Party.Kind.COMPANY and not cleaned.get("uscc") and "uscc" not in self.errors:
            self.add_error("uscc", _("A company needs its unified social credit code."))
        if kind in (Party.Kind.ONLINE_SHOP, Party.Kind.PLATFORM_ACCOUNT):
            for field in ("platform", "platform_account_id"):
                if not cleaned.get(field):
                    self.add_error(field, _("An online shop or platform account needs its platform and ID."))
        return cleaned


class DocumentForm(forms.Form):
    files = MultipleFileField(label=_("Files"), allow_empty_file=True)  # an empty file is evidence too
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    internal = forms.BooleanField(label=_("Internal to my bureau"), required=False)


class VersionForm(forms.Form):
    """A corrected version of a document."""

    file = forms.FileField(label=_("Corrected file"), allow_empty_file=True)
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class PackageForm(forms.Form):
    """The documents to export; none chosen means the whole case (what the user may see of it)."""

    documents = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Ids are checked against what the user may see by the service: any number is a valid choice here.
        self.fields["documents"].valid_value = lambda value: str(value).isdigit()


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("Evidence package (ZIP) or single file"), allow_empty_file=True)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    internal = forms.BooleanField(label=_("Internal to my bureau"), required=False)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())

    def __init__(self, *args, case: JointCase, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(bureau_id=actor.bureau_id, is_active=True, role=User.Role.OFFICER)
            .exclude(case_memberships__case=case)
            .order_by("username")
        )
