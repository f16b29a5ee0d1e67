"""Data layer: LightningDataModules that know nothing of models, and report the sizes models need."""
