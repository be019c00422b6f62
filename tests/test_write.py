import pytest

from govsite.write import UnsafeOutput, site_writer, write_site


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


def test_every_path_is_checked_before_the_temp_folder_is_made(tmp_path):
    output = tmp_path / "output"
    write_site({"index.html": b"good"}, output, protected=[])
    with pytest.raises(UnsafeOutput):
        with site_writer(output, ["index.html", "a/../../x.html"], protected=[]):
            pytest.fail("the block must not run")
    with site_writer(output, ["index.html"], protected=[]) as writer:
        with pytest.raises(UnsafeOutput):  # only the paths checked may be written
            writer.put("other.html", b"x")
        writer.put("index.html", b"new")
        writer.swap()
    assert (output / "index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_a_writer_left_without_a_swap_changes_nothing(tmp_path):
    output = tmp_path / "output"
    write_site({"index.html": b"good"}, output, protected=[])
    with site_writer(output, ["index.html", "risks/a/index.html"], protected=[]) as writer:
        writer.put("risks/a/index.html", b"half a site")
    assert (output / "index.html").read_bytes() == b"good"
    assert not (output / "risks").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_an_unchanged_file_is_the_previous_one_linked_not_rewritten(tmp_path):
    output = tmp_path / "output"
    write_site({"index.html": b"same", "other.html": b"one"}, output, protected=[])
    before = (output / "index.html").stat()
    write_site({"index.html": b"same", "other.html": b"two"}, output, protected=[])
    after = (output / "index.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (output / "other.html").read_bytes() == b"two"
