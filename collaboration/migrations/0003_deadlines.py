# Default time limits per request type, deadline extensions, the sweep id of reminders, and the mark of
# the due date whose escalation was sent (set here from the escalations already sent).

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_sent_escalations(apps, schema_editor):
    AssistanceRequest = apps.get_model("collaboration", "AssistanceRequest")
    DeadlineReminder = apps.get_model("collaboration", "DeadlineReminder")
    escalated = DeadlineReminder.objects.filter(
        kind="overdue", request_id=models.OuterRef("pk"), due_date=models.OuterRef("due_date")
    )
    AssistanceRequest.objects.filter(models.Exists(escalated)).update(escalated_due_date=models.F("due_date"))


class Migration(migrations.Migration):

    dependencies = [
        ('collaboration', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RequestTypeTimeLimit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('request_type', models.CharField(choices=[('evidence_collection', 'Evidence collection'), ('information_verification', 'Information verification'), ('onsite_inspection', 'On-site inspection'), ('document_service', 'Service of legal documents'), ('platform_data', 'Data retrieval from platforms'), ('enforcement_assistance', 'Enforcement assistance')], max_length=40, unique=True, verbose_name='request type')),
                ('time_limit_days', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], verbose_name='default time limit (working days)')),
            ],
            options={
                'verbose_name': 'default time limit',
                'verbose_name_plural': 'default time limits',
                'ordering': ['request_type'],
            },
        ),
        migrations.AddField(
            model_name='deadlinereminder',
            name='sweep',
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
        migrations.CreateModel(
            name='DeadlineExtension',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('reason', models.TextField(verbose_name='reason')),
                ('previous_due_date', models.DateField(verbose_name='due date before')),
                ('proposed_due_date', models.DateField(verbose_name='new due date')),
                ('status', models.CharField(choices=[('pending', 'Awaiting decision'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_comment', models.TextField(blank=True, verbose_name='comment')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='collaboration.assistancerequest')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'deadline extension',
                'verbose_name_plural': 'deadline extensions',
                'ordering': ['-requested_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('request',), name='extension_one_pending')],
            },
        ),
        migrations.AddField(
            model_name='assistancerequest',
            name='escalated_due_date',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='assistancerequest',
            index=models.Index(condition=models.Q(('status__in', ['sent', 'accepted', 'in_progress']), models.Q(('escalated_due_date__isnull', True), ('escalated_due_date__lt', models.F('due_date')), ('escalated_due_date__gt', models.F('due_date')), _connector='OR')), fields=['due_date'], name='request_escalation_due_idx'),
        ),
        migrations.AddIndex(
            model_name='deadlinereminder',
            index=models.Index(fields=['kind', 'due_date'], name='reminder_kind_due_idx'),
        ),
        migrations.RunPython(mark_sent_escalations, migrations.RunPython.noop),
    ]
