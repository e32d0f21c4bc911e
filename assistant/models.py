from django.db import models

from sources.models import Claim


class ClaimVector(models.Model):
    """A public claim's statement as the embedding model reads it, computed once and kept while it holds.

    ``statement`` is the text the vector was computed from: a claim whose statement differs (edited since) is
    encoded again on the assistant's next run, so a vector never outlives its words. Stored as float16 (768
    bytes), which changes cosines by less than 0.001.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="vector")
    model = models.CharField(max_length=100)
    statement = models.TextField()
    vector = models.BinaryField()

    def __str__(self) -> str:
        return f"vector of claim {self.claim_id}"
