"""The topic prefix of a team, as the Java side checks it."""
import pytest

from cadc import format as wire
from cadc.reader import CurriculumReader


def test_a_prefix_goes_in_front_of_the_topic():
    reader = CurriculumReader("127.0.0.1:9", topic_prefix="team-a.")
    try:
        assert reader.topic == "team-a." + wire.TOPIC_CURRICULUM
    finally:
        reader.close()


@pytest.mark.parametrize("prefix", ["team a.", "team/a", "x" * 101, None])
def test_a_prefix_kafka_would_refuse_is_a_value_error(prefix):
    with pytest.raises(ValueError, match="topic_prefix"):
        wire.check_topic_prefix(prefix)
