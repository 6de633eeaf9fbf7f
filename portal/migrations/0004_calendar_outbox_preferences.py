# Working-day calendar tables, notification preferences, the calendar feed and the email outbox fields.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0003_audit_internal_bureau'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarYear',
            fields=[
                ('year', models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name='year')),
                ('source', models.CharField(choices=[('package', 'chinesecalendar package'), ('manual', 'entered by an administrator')], default='manual', max_length=10, verbose_name='source')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'calendar year',
                'verbose_name_plural': 'working-day calendar',
                'ordering': ['-year'],
            },
        ),
        migrations.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('is_working_day', models.BooleanField(help_text='Ticked: a make-up working day. Unticked: a holiday.', verbose_name='make-up working day')),
                ('name_zh', models.CharField(max_length=100, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(blank=True, max_length=100, verbose_name='name (English)')),
                ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='days', to='portal.calendaryear', verbose_name='year')),
            ],
            options={
                'verbose_name': 'calendar day',
                'verbose_name_plural': 'calendar days',
                'ordering': ['date'],
            },
        ),
        migrations.CreateModel(
            name='CalendarFeed',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=50)),
                ('delivery', models.CharField(choices=[('immediate', 'Email at once'), ('digest', 'In the daily digest'), ('in_app', 'In the portal only')], max_length=10)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='notification_preference_once_per_kind')],
            },
        ),
        migrations.AddField(
            model_name='notification',
            name='dedupe_key',
            field=models.CharField(blank=True, max_length=100, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_claim',
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_dispatched_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_next_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='notification',
            name='email_status',
            field=models.CharField(choices=[('none', 'no email'), ('digest', 'waits for the daily digest'), ('digested', 'in a daily digest'), ('pending', 'pending'), ('sending', 'sending'), ('sent', 'sent'), ('failed', 'failed')], default='pending', max_length=10),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_status__in', ['pending', 'sending'])), fields=['email_next_attempt_at'], name='notif_outbox_idx'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('email_status', 'digest')), fields=['recipient', 'created_at'], name='notif_digest_idx'),
        ),
    ]
