"""The initial incident typology (SPEC section 3), from data/incident_types.csv."""

from django.db import migrations


def load(apps, schema_editor):
    from vigie.declarations.reference import typology_load

    typology_load(apps.get_model("declarations", "IncidentType"))


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
