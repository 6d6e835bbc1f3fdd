# Case.detected_at: the declaration's detection time on the case (the action plan's
# incidents of the year); 0014 builds the index that reads it.

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_case_open_status_search"),
        ("declarations", "0005_quick_and_taken"),
        ("directory", "0007_structure_active_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="case",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="case",
            name="update_update",
        ),
        migrations.AddField(
            model_name="case",
            name="detected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="detected at"),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="detected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="detected at"),
        ),
        # Existing cases take their declaration's detection time, with the history
        # triggers off (the value was already the declaration's: nothing happened).
        migrations.RunSQL(
            "UPDATE cases_case c SET detected_at = d.detected_at FROM declarations_declaration d "
            "WHERE d.id = c.declaration_id AND d.detected_at IS NOT NULL",
            migrations.RunSQL.noop,
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="case",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "cases_caseevent" ("ars_update_due_at", "care_affected", "closed_at", "closed_by_id", "closure_synthesis", "crisis_mode", "criticity", "declaration_id", "detected_at", "id", "involves_health_products", "is_military", "last_ars_update_at", "last_reminder_at", "opened_at", "outcomes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "piloted_by_hfds", "qualification_note", "qualified_at", "qualified_by_id", "reference", "region_id", "residual_risks", "residual_vulnerabilities", "shared_with_cell", "status", "structure_id", "structure_opinion", "structure_opinion_comment", "support_ended_at", "support_mode", "updated_at", "urgent_help", "version") VALUES (NEW."ars_update_due_at", NEW."care_affected", NEW."closed_at", NEW."closed_by_id", NEW."closure_synthesis", NEW."crisis_mode", NEW."criticity", NEW."declaration_id", NEW."detected_at", NEW."id", NEW."involves_health_products", NEW."is_military", NEW."last_ars_update_at", NEW."last_reminder_at", NEW."opened_at", NEW."outcomes", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."piloted_by_hfds", NEW."qualification_note", NEW."qualified_at", NEW."qualified_by_id", NEW."reference", NEW."region_id", NEW."residual_risks", NEW."residual_vulnerabilities", NEW."shared_with_cell", NEW."status", NEW."structure_id", NEW."structure_opinion", NEW."structure_opinion_comment", NEW."support_ended_at", NEW."support_mode", NEW."updated_at", NEW."urgent_help", NEW."version"); RETURN NULL;',
                    hash="863e6457e36ea1f326c79ae40b230e8a2cd4202d",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_0b483",
                    table="cases_case",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="case",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "cases_caseevent" ("ars_update_due_at", "care_affected", "closed_at", "closed_by_id", "closure_synthesis", "crisis_mode", "criticity", "declaration_id", "detected_at", "id", "involves_health_products", "is_military", "last_ars_update_at", "last_reminder_at", "opened_at", "outcomes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "piloted_by_hfds", "qualification_note", "qualified_at", "qualified_by_id", "reference", "region_id", "residual_risks", "residual_vulnerabilities", "shared_with_cell", "status", "structure_id", "structure_opinion", "structure_opinion_comment", "support_ended_at", "support_mode", "updated_at", "urgent_help", "version") VALUES (NEW."ars_update_due_at", NEW."care_affected", NEW."closed_at", NEW."closed_by_id", NEW."closure_synthesis", NEW."crisis_mode", NEW."criticity", NEW."declaration_id", NEW."detected_at", NEW."id", NEW."involves_health_products", NEW."is_military", NEW."last_ars_update_at", NEW."last_reminder_at", NEW."opened_at", NEW."outcomes", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."piloted_by_hfds", NEW."qualification_note", NEW."qualified_at", NEW."qualified_by_id", NEW."reference", NEW."region_id", NEW."residual_risks", NEW."residual_vulnerabilities", NEW."shared_with_cell", NEW."status", NEW."structure_id", NEW."structure_opinion", NEW."structure_opinion_comment", NEW."support_ended_at", NEW."support_mode", NEW."updated_at", NEW."urgent_help", NEW."version"); RETURN NULL;',
                    hash="b7b46145f2096b78306260b48874bafec7409c05",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f5146",
                    table="cases_case",
                    when="AFTER",
                ),
            ),
        ),
    ]
