"""Development and benchmark tooling, outside the application package: the synthetic-data generator
(`flask dev synth`). Not shipped in the production image; the app registers its commands only when
this package can be imported."""
