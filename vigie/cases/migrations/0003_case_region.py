"""Cases carry their region (the structure's, when the case was opened), so that the
regional visibility rule and the statistics read one indexed column instead of joining
structures and départements."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_queue_indexes"),
        ("directory", "0002_api_integration_role"),
    ]

    operations = [
        # The history triggers are rebuilt with the new column (and stay off the backfill).
        pgtrigger.migrations.RemoveTrigger(model_name="case", name="insert_insert"),
        pgtrigger.migrations.RemoveTrigger(model_name="case", name="update_update"),
        migrations.AddField(
            model_name="caseevent",
            name="region",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="directory.region",
                verbose_name="region",
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="directory.region",
                verbose_name="region",
            ),
        ),
        migrations.RunSQL(
            "UPDATE cases_case AS c SET region_id = d.region_id "
            "FROM directory_structure AS s, directory_departement AS d "
            "WHERE s.id = c.structure_id AND d.id = s.departement_id",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "UPDATE cases_caseevent AS e SET region_id = d.region_id "
            "FROM directory_structure AS s, directory_departement AS d "
            "WHERE s.id = e.structure_id AND d.id = s.departement_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="region",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="directory.region",
                verbose_name="region",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="directory.region",
                verbose_name="region",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="case",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "cases_caseevent" ("ars_update_due_at", "care_affected", "closed_at", "closed_by_id", "closure_synthesis", "crisis_mode", "criticity", "declaration_id", "id", "involves_health_products", "is_military", "last_ars_update_at", "last_reminder_at", "opened_at", "outcomes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "piloted_by_hfds", "qualification_note", "qualified_at", "qualified_by_id", "reference", "region_id", "residual_risks", "residual_vulnerabilities", "shared_with_cell", "status", "structure_id", "structure_opinion", "structure_opinion_comment", "support_ended_at", "support_mode", "updated_at", "version") VALUES (NEW."ars_update_due_at", NEW."care_affected", NEW."closed_at", NEW."closed_by_id", NEW."closure_synthesis", NEW."crisis_mode", NEW."criticity", NEW."declaration_id", NEW."id", NEW."involves_health_products", NEW."is_military", NEW."last_ars_update_at", NEW."last_reminder_at", NEW."opened_at", NEW."outcomes", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."piloted_by_hfds", NEW."qualification_note", NEW."qualified_at", NEW."qualified_by_id", NEW."reference", NEW."region_id", NEW."residual_risks", NEW."residual_vulnerabilities", NEW."shared_with_cell", NEW."status", NEW."structure_id", NEW."structure_opinion", NEW."structure_opinion_comment", NEW."support_ended_at", NEW."support_mode", NEW."updated_at", NEW."version"); RETURN NULL;',
                    hash="ffb47cbb5e5c1e9ecfb341b144a439e19805071f",
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
                    func='INSERT INTO "cases_caseevent" ("ars_update_due_at", "care_affected", "closed_at", "closed_by_id", "closure_synthesis", "crisis_mode", "criticity", "declaration_id", "id", "involves_health_products", "is_military", "last_ars_update_at", "last_reminder_at", "opened_at", "outcomes", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "piloted_by_hfds", "qualification_note", "qualified_at", "qualified_by_id", "reference", "region_id", "residual_risks", "residual_vulnerabilities", "shared_with_cell", "status", "structure_id", "structure_opinion", "structure_opinion_comment", "support_ended_at", "support_mode", "updated_at", "version") VALUES (NEW."ars_update_due_at", NEW."care_affected", NEW."closed_at", NEW."closed_by_id", NEW."closure_synthesis", NEW."crisis_mode", NEW."criticity", NEW."declaration_id", NEW."id", NEW."involves_health_products", NEW."is_military", NEW."last_ars_update_at", NEW."last_reminder_at", NEW."opened_at", NEW."outcomes", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."piloted_by_hfds", NEW."qualification_note", NEW."qualified_at", NEW."qualified_by_id", NEW."reference", NEW."region_id", NEW."residual_risks", NEW."residual_vulnerabilities", NEW."shared_with_cell", NEW."status", NEW."structure_id", NEW."structure_opinion", NEW."structure_opinion_comment", NEW."support_ended_at", NEW."support_mode", NEW."updated_at", NEW."version"); RETURN NULL;',
                    hash="2391c6a988e65ef33910f4fc8fbdf30777a585a2",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f5146",
                    table="cases_case",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["region", "opened_at"], name="case_region_opened"),
        ),
    ]
