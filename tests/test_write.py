import pytest

from govsite.write import UnsafeOutput, write_site


def test_the_output_is_replaced_as_a_whole(tmp_path):
    output = tmp_path / "output"
    write_site({"index.html": b"one", "old/index.html": b"old"}, output, protected=[])
    write_site({"index.html": b"two"}, output, protected=[])
    assert (output / "index.html").read_bytes() == b"two"
    assert not (output / "old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]  # no temp folders left


@pytest.mark.parametrize("relpath", ["../escape.html", "/etc/passwd", "a/../../x", "..", ".govsite"])
def test_a_path_outside_the_output_is_refused_and_nothing_changes(tmp_path, relpath):
    output = tmp_path / "output"
    write_site({"index.html": b"good"}, output, protected=[])
    with pytest.raises(UnsafeOutput):
        write_site({"index.html": b"bad", relpath: b"x"}, output, protected=[])
    assert (output / "index.html").read_bytes() == b"good"
    assert not (tmp_path / "escape.html").exists()


def test_the_content_folder_or_its_parent_is_never_the_output(tmp_path):
    content = tmp_path / "site" / "content"
    content.mkdir(parents=True)
    for output in (content, content.parent, tmp_path):
        with pytest.raises(UnsafeOutput):
            write_site({"index.html": b"x"}, output, protected=[content, content.parent])
    assert sorted(p.name for p in content.parent.iterdir()) == ["content"]


def test_a_folder_govsite_did_not_write_is_not_replaced(tmp_path):
    output = tmp_path / "documents"
    output.mkdir()
    (output / "important.docx").write_bytes(b"keep me")
    with pytest.raises(UnsafeOutput):
        write_site({"index.html": b"x"}, output, protected=[])
    assert (output / "important.docx").read_bytes() == b"keep me"
