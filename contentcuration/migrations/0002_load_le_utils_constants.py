from django.db import migrations


def load(apps, schema_editor):
    from contentcuration.reference_loading import load_constants

    load_constants(apps)


class Migration(migrations.Migration):
    dependencies = [("contentcuration", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
