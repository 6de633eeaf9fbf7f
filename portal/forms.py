from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, Team, User


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six digits shown by your authenticator app."))],
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class AccountForm(forms.ModelForm):
    """An account of the administrator's own bureau; teams are limited to that bureau."""

    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "role", "team", "language", "is_active"]

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(bureau=bureau)
        self.fields["team"].required = False
        self.fields["email"].required = True
        if self.instance.pk:
            del self.fields["password"]
            self.fields["username"].disabled = True
        else:
            self.fields["password"].required = True
            del self.fields["is_active"]

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if password:
            password_validation.validate_password(password, self.instance)
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") in (User.Role.OFFICER, User.Role.LEADER) and not cleaned.get("team"):
            self.add_error("team", _("Officers and leaders belong to a team."))
        return cleaned


class ApiClientForm(forms.Form):
    """A system of the administrator's bureau; a client that writes acts as an officer of the chosen team."""

    name = forms.CharField(label=_("Name of the system"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiClient.Scope.choices, initial=ApiClient.Scope.READ)
    team = forms.ModelChoiceField(
        label=_("Acts as an officer of"),
        queryset=Team.objects.none(),
        required=False,
        help_text=_("Only for a client that writes: it opens and works on cases as a member of this team."),
    )

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(bureau=bureau)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == ApiClient.Scope.WRITE and not cleaned.get("team"):
            self.add_error(
                "team", _("A client that writes acts as an officer: choose a team of your bureau.")
            )
        return cleaned


class PersonalTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. a script.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiClient.Scope.choices, initial=ApiClient.Scope.READ)


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of event: email at once, in the daily digest, or in the portal only."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        from .models import NotificationPreference
        from .notifications import DEFAULT_DELIVERY, DIGEST_KIND, KIND_LABELS, deliveries_for_kind

        super().__init__(*args, **kwargs)
        labels = dict(NotificationPreference.Delivery.choices)
        self.fields[DIGEST_KIND] = forms.ChoiceField(
            label=_("Daily digest email (working days)"),
            choices=[("immediate", _("Send me the digest")), ("in_app", _("No digest email"))],
            initial=current.get(DIGEST_KIND, DEFAULT_DELIVERY),
            widget=forms.RadioSelect,
        )
        for kind, label in KIND_LABELS.items():
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=[(value, labels[value]) for value in deliveries_for_kind(kind)],
                initial=current.get(kind, DEFAULT_DELIVERY),
                widget=forms.RadioSelect,
            )


class CalendarYearForm(forms.Form):
    """A year of the working-day calendar as two lists, one day or range per line:
    `2027-02-06..2027-02-13 春节 | Spring Festival` (the English name is optional)."""

    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        help_text=_("One day or range per line: 2027-02-06..2027-02-13 春节 | Spring Festival"),
    )
    working_days = forms.CharField(
        label=_("Make-up working days (调休)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=_("Weekend days that are working days, one per line: 2027-02-14 春节"),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def _parse(self, field: str, working: bool) -> list[tuple]:
        import datetime

        days = []
        for number, line in enumerate(self.cleaned_data.get(field, "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            span, _sep, names = line.partition(" ")
            name_zh, _bar, name_en = names.partition("|")
            try:
                first, _dots, last = span.partition("..")
                first = datetime.date.fromisoformat(first)
                last = datetime.date.fromisoformat(last) if last else first
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)s: write a date as 2027-02-06, or a range as 2027-02-06..2027-02-13.")
                    % {"number": number}
                ) from None
            if last < first or (last - first).days > 31 or not name_zh.strip():
                raise forms.ValidationError(
                    _("Line %(number)s: a range of at most a month, followed by the name of the day.")
                    % {"number": number}
                )
            day = first
            while day <= last:
                days.append((day, working, name_zh.strip(), name_en.strip()))
                day += datetime.timedelta(days=1)
        return days

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["days"] = self._parse("holidays", False) + self._parse("working_days", True)
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned

    @staticmethod
    def lines(days) -> tuple[str, str]:
        """The textareas' text for the days of a year: consecutive days of one name as one range."""
        import datetime

        groups: dict[bool, list[list]] = {False: [], True: []}
        for day in days:
            runs = groups[day.is_working_day]
            if (
                runs
                and runs[-1][2] == (day.name_zh, day.name_en)
                and runs[-1][1] + datetime.timedelta(days=1) == day.date
            ):
                runs[-1][1] = day.date
            else:
                runs.append([day.date, day.date, (day.name_zh, day.name_en)])

        def text(runs):
            out = []
            for first, last, (zh, en) in runs:
                span = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
                out.append(f"{span} {zh}" + (f" | {en}" if en else ""))
            return "\n".join(out)

        return text(groups[False]), text(groups[True])
