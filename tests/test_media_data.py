"""Multimodal rows (swiftkit.data.media, swiftkit.data.grounding): every way ms-swift rows give a
medium decodes to the same pixels, tags, errors naming file/row/field, skips counted, the
bounded cache, the pixel budget and grounding objects. Images are made with PIL in tmp_path;
URLs are served by a local http.server on 127.0.0.1."""

from __future__ import annotations

import base64
import functools
import http.server
import io
import socket
import threading

import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from swiftkit.core.data.errors import DatasetRowError  # noqa: E402
from swiftkit.data import grounding, media  # noqa: E402
from swiftkit.data.report import DataReport  # noqa: E402


def _picture(w: int = 7, h: int = 5) -> Image.Image:
    img = Image.new("RGB", (w, h))
    img.putdata([((x * 37) % 256, (y * 53) % 256, (x * y * 11) % 256) for y in range(h) for x in range(w)])
    return img


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "imgs").mkdir()
    _picture().save(tmp_path / "imgs" / "a.png")
    (tmp_path / "imgs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return tmp_path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(folder):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _row(images, content="<image>what is it?", **extra):
    return {"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "a picture"}],
            "images": images, **extra}


# ---------------------------------------------------------------------- sources


def test_every_source_kind_decodes_to_the_same_pixels(folder, server):
    data = _png(_picture())
    b64 = base64.b64encode(data).decode()
    sources = {
        "relative path": "imgs/a.png",
        "absolute path": str(folder / "imgs" / "a.png"),
        "file url": (folder / "imgs" / "a.png").as_uri(),
        "http url": f"{server}/imgs/a.png",
        "data url": "data:image/png;base64," + b64,
        "bare base64": b64,
        "raw bytes": data,
        "datasets bytes dict": {"bytes": data, "path": "ignored.png"},
        "datasets path dict": {"bytes": None, "path": "imgs/a.png"},
        "pil": _picture(),
    }
    expected = _picture().tobytes()
    cache = media.MediaCache(max_bytes=10**6, timeout=5)
    kinds = set()
    for name, item in sources.items():
        row = media.parse_row(_row(item), source="d.jsonl", row_no=1, base_dir=str(folder))
        media.check_media(row, timeout=5)
        (img,) = cache.images(row)
        kinds.add(row.images[0].kind)
        assert img.size == (7, 5) and img.mode == "RGB", name
        assert img.tobytes() == expected, name
    assert kinds == {"path", "url", "data", "bytes", "pil"}
    # the path spellings share one entry, the inline bytes another, the URL a third; PIL images
    # are already in memory and not cached
    assert len(cache) == 3 and cache.hits == len(sources) - 1 - 3


def test_a_single_string_column_is_one_medium_and_lists_keep_their_order(folder):
    row = media.parse_row(_row("imgs/a.png"), base_dir=str(folder))
    assert [r.field for r in row.images] == ["images[0]"]
    two = media.parse_row(_row(["imgs/a.png", "imgs/broken.png"], "<image><image>"), base_dir=str(folder))
    assert [r.value for r in two.images] == [str(folder / "imgs" / "a.png"), str(folder / "imgs" / "broken.png")]


# ---------------------------------------------------------------------- tags


def test_missing_tags_are_prepended_to_the_first_user_message(folder):
    row = {
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Compare them."},
                     {"role": "assistant", "content": "ok"}],
        "images": ["imgs/a.png", "imgs/a.png"], "videos": ["clip.mp4"], "audios": [],
    }
    out = media.parse_row(row, base_dir=str(folder))
    assert out.messages[0]["content"] == "be brief"
    assert out.messages[1]["content"] == "<image><image><video>Compare them."
    assert out.tags_added == {"images": 2, "videos": 1}
    assert row["messages"][1]["content"] == "Compare them."  # the input row is not modified
    tagged = media.parse_row(_row(["imgs/a.png"], "look: <image>"), base_dir=str(folder))
    assert tagged.messages[0]["content"] == "look: <image>" and tagged.tags_added == {}
    assert media.count_tags(tagged.messages, "<image>") == [1, 0]


def test_pretraining_rows_get_their_tags_on_the_assistant_message():
    row = {"messages": [{"role": "assistant", "content": "a puppy"}], "images": ["x.png"]}
    assert media.parse_row(row).messages[0]["content"] == "<image>a puppy"


@pytest.mark.parametrize(
    ("images", "content", "field"),
    [
        (["imgs/a.png"], "<image>then <image>", "messages[0].content"),
        (["imgs/a.png", "imgs/a.png"], "only <image>", "images[1]"),
    ],
)
def test_a_tag_count_mismatch_names_file_row_and_field(folder, images, content, field):
    with pytest.raises(DatasetRowError) as info:
        media.parse_row(_row(images, content), source="train.jsonl", row_no=3, base_dir=str(folder))
    err = info.value
    assert (err.source, err.row, err.field) == ("train.jsonl", 3, field)
    assert str(err).startswith(f"train.jsonl row 3: field '{field}':") and "<image>" in str(err)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"videos": ["a.mp4", "b.mp4"], "content": "<video>"}, "videos[1]"),
        ({"audios": [], "content": "<audio>hi"}, "messages[0].content"),
        ({"images": ["x.png"], "videos": ["a.mp4"], "content": "<video><video>"}, "messages[0].content"),
    ],
)
def test_videos_and_audios_are_counted_like_images(row, field):
    content = row.pop("content")
    with pytest.raises(DatasetRowError) as info:
        media.parse_row({"messages": [{"role": "user", "content": content}], **row}, source="m.jsonl", row_no=7)
    assert info.value.field == field


def test_tags_in_a_later_message_are_counted():
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "?"},
                        {"role": "user", "content": "<audio>and this?"}], "audios": ["a.wav"]}
    out = media.parse_row(row)
    assert out.messages[0]["content"] == "hi" and len(out.audios) == 1


# ---------------------------------------------------------------------- validation


def test_missing_undecodable_and_unreachable_media_name_file_row_and_field(folder, server):
    cases = [
        (["imgs/a.png", "imgs/nope.png"], "images[1]", "file not found"),
        (["imgs/broken.png"], "images[0]", "not a decodable image"),
        ([b"\x00\x01garbage"], "images[0]", "not a decodable image"),
        ([f"{server}/imgs/missing.png"], "images[0]", "HTTP 404"),
        ([f"http://127.0.0.1:{_closed_port()}/a.png"], "images[0]", "cannot fetch"),
    ]
    for images, field, why in cases:
        row = media.parse_row(_row(images, "<image>" * len(images)), source="v.jsonl", row_no=9, base_dir=str(folder))
        with pytest.raises(DatasetRowError) as info:
            media.check_media(row, timeout=2)
        err = info.value
        assert (err.source, err.row, err.field) == ("v.jsonl", 9, field), images
        assert why in err.reason, (images, err.reason)
    # a missing video is named too (videos are not decoded here, only found)
    row = media.parse_row({"messages": [{"role": "user", "content": "<video>"}], "videos": "clip.mp4"},
                          source="v.jsonl", row_no=2, base_dir=str(folder))
    with pytest.raises(DatasetRowError, match=r"v.jsonl row 2: field 'videos\[0\]': file not found"):
        media.check_media(row)


def test_decoding_a_missing_file_through_the_cache_names_the_field(folder):
    row = media.parse_row(_row(["imgs/gone.png"]), source="d.jsonl", row_no=4, base_dir=str(folder))
    with pytest.raises(DatasetRowError, match=r"d.jsonl row 4: field 'images\[0\]': file not found"):
        media.MediaCache().images(row)


def test_a_size_limit_stops_large_media(folder, server):
    size = len(_png(_picture()))
    for item in (f"{server}/imgs/a.png", "imgs/a.png", _png(_picture())):
        ref = media.make_ref(item, "images", 0, str(folder))
        assert len(media.read_bytes(ref, timeout=5, max_bytes=size)) == size
        with pytest.raises(media.MediaError, match=f"larger than the limit of {size - 1} bytes"):
            media.read_bytes(ref, timeout=5, max_bytes=size - 1)
    row = media.parse_row(_row(["imgs/a.png"]), source="d.jsonl", row_no=1, base_dir=str(folder))
    with pytest.raises(DatasetRowError, match=r"field 'images\[0\]': .*larger than the limit"):
        media.MediaCache(max_file_bytes=10).images(row)


def test_bad_values_are_refused_at_parse_time():
    with pytest.raises(DatasetRowError, match=r"field 'images\[0\]': .*expected a path"):
        media.parse_row(_row([3.5]), source="d.jsonl", row_no=1)
    with pytest.raises(DatasetRowError, match=r"field 'images\[0\]': invalid base64"):
        media.parse_row(_row(["data:image/png;base64,@@@"]), source="d.jsonl", row_no=1)


def test_strict_raises_and_non_strict_skips_and_counts_by_reason(folder, server):
    rows = [
        _row(["imgs/a.png"]),  # 1 ok
        _row(["imgs/nope.png"]),  # 2 missing
        _row(["imgs/broken.png"]),  # 3 undecodable
        _row([f"{server}/gone.png"]),  # 4 unreachable
        _row(["imgs/a.png"], "<image><image>"),  # 5 tag mismatch
        _row([f"{server}/imgs/a.png"]),  # 6 ok
        _row(["imgs/a.png"], "<image><ref-object>", objects={"ref": ["cat", "dog"], "bbox": []}),  # 7 grounding
    ]
    with pytest.raises(DatasetRowError) as info:
        media.check_rows(rows, source="mm.jsonl", base_dir=str(folder), timeout=2)
    assert (info.value.row, info.value.field) == (2, "images[0]")
    out = media.check_rows(rows, source="mm.jsonl", base_dir=str(folder), strict=False, timeout=2)
    assert [r.row for r in out.rows] == [1, 6]
    assert out.counts == {"missing file": 1, "undecodable image": 1, "unreachable url": 1, "tag mismatch": 1,
                          "grounding": 1}
    assert [(s.row, s.field) for s in out.skipped] == [(2, "images[0]"), (3, "images[0]"), (4, "images[0]"),
                                                       (5, "messages[0].content"), (7, "objects.ref")]
    report = DataReport()
    out.add_to(report)
    assert report.skipped == 5 and "mm.jsonl row 2: field 'images[0]'" in report.warnings()[0]


def test_parsing_reads_nothing_and_checking_decodes_no_pixels(folder, monkeypatch):
    # parse_row only classifies: a missing file is not an error yet
    row = media.parse_row(_row(["imgs/nope.png"]), base_dir=str(folder))
    assert row.images[0].kind == "path"

    def no_decode(self, *args, **kwargs):
        raise AssertionError("pixels decoded during validation")

    ok = media.parse_row(_row(["imgs/a.png", _png(_picture())], "<image><image>"), base_dir=str(folder))
    monkeypatch.setattr(Image.Image, "load", no_decode)
    monkeypatch.setattr(Image.Image, "tobytes", no_decode)
    media.check_media(ok)  # verify() reads the file's structure only


def test_iter_rows_yields_one_row_at_a_time(folder):
    check = media.MediaCheck()
    rows = ({**_row(["imgs/a.png"] if i % 2 else ["imgs/nope.png"])} for i in range(6))
    it = media.iter_rows(rows, source="s.jsonl", base_dir=str(folder), strict=False, check=check)
    first = next(it)
    assert first.row == 2 and check.counts == {"missing file": 1}
    assert [r.row for r in it] == [4, 6] and check.skipped_count == 3


def test_relative_paths_are_read_from_the_dataset_files_folder(folder):
    from swiftkit.data.sources import Source

    (folder / "train.jsonl").write_text("")
    src = Source(arg="train.jsonl", label="train.jsonl", kind="file", path=str(folder / "train.jsonl"))
    assert media.media_folder(src) == str(folder)
    assert media.media_folder(Source(arg="x/y", label="x/y", kind="hub")) is None


def test_rows_numbers_follow_the_file(folder):
    out = media.check_rows([_row(["imgs/nope.png"])], source="f.jsonl", base_dir=str(folder), strict=False,
                           row_numbers=lambda i: i + 10)
    assert out.skipped[0].row == 10


# ---------------------------------------------------------------------- cache and resize


def test_the_cache_stays_under_its_byte_budget(tmp_path):
    paths = []
    for i in range(12):
        p = tmp_path / f"{i}.png"
        Image.new("RGB", (10, 10), (i * 20, 0, 0)).save(p)  # 300 bytes decoded
        paths.append(str(p))
    cache = media.MediaCache(max_bytes=1000)
    refs = [media.make_ref(p, "images", 0) for p in paths]
    for ref in refs:
        img = cache.image(ref)
        assert img.getpixel((0, 0))[0] == int(ref.value.rsplit("/", 1)[1].split(".")[0]) * 20
        assert cache.nbytes <= 1000
    assert len(cache) == 3 and cache.misses == 12
    assert refs[-1] in cache and refs[0] not in cache
    cache.image(refs[-1])
    assert cache.hits == 1
    # least recently used goes first: touching refs[9] keeps it when a new one arrives
    cache.image(refs[9])
    cache.image(refs[0])
    assert refs[9] in cache and refs[10] not in cache
    # an image over the whole budget is returned but not kept
    big = tmp_path / "big.png"
    Image.new("RGB", (40, 40)).save(big)
    assert cache.image(media.make_ref(str(big), "images", 0)).size == (40, 40)
    assert cache.nbytes <= 1000 and len(cache) == 3


@pytest.mark.parametrize(("w", "h", "budget"), [(1000, 500, 50_000), (640, 480, 100_000), (3, 4000, 1000), (7, 5, 35)])
def test_fit_max_pixels_keeps_aspect_and_budget(w, h, budget):
    nw, nh = media.fit_max_pixels(w, h, budget)
    assert nw * nh <= budget and nw >= 1 and nh >= 1
    if w * h <= budget:
        assert (nw, nh) == (w, h)
    elif min(nw, nh) > 10:
        assert abs(nw / nh - w / h) / (w / h) < 0.05
        assert nw * nh > budget * 0.9  # shrunk no more than needed


def test_resize_and_the_max_pixels_environment(monkeypatch, tmp_path):
    img = _picture(200, 100)
    small = media.resize_max_pixels(img, 5000)
    assert small.size == (100, 50)
    assert media.resize_max_pixels(img, None) is img
    monkeypatch.setenv("MAX_PIXELS", "5000")
    assert media.max_pixels_from_env() == 5000
    monkeypatch.setenv("MAX_PIXELS", "lots")
    with pytest.raises(ValueError, match="MAX_PIXELS"):
        media.max_pixels_from_env()
    monkeypatch.delenv("MAX_PIXELS")
    assert media.max_pixels_from_env(123) == 123
    p = tmp_path / "w.png"
    img.save(p)
    cache = media.MediaCache(max_pixels=5000)
    assert cache.image(media.make_ref(str(p), "images", 0)).size == (100, 50)


# ---------------------------------------------------------------------- grounding


def test_grounding_objects_parse_as_ms_swift_writes_them(folder):
    row = {
        "messages": [{"role": "user", "content": "<image>Describe the image."},
                     {"role": "assistant", "content": "<ref-object><bbox> and <ref-object><bbox> play"}],
        "images": ["imgs/a.png"],
        "objects": {"ref": ["a dog", "a woman"], "bbox": [[0.5, 1, 3, 4], [4, 0, 6.5, 5]]},
    }
    out = media.parse_row(row, source="g.jsonl", row_no=1, base_dir=str(folder))
    media.check_media(out)
    g = out.objects
    assert isinstance(g, grounding.Grounding)
    assert g.refs == ["a dog", "a woman"] and g.bboxes == [[0.5, 1, 3, 4], [4, 0, 6.5, 5]]
    assert g.bbox_type == "real" and g.image_ids == [0, 0]
    assert g.normalized(lambda i: (7, 5), scale=1000)[1] == pytest.approx([4 / 7 * 1000, 0, 6.5 / 7 * 1000, 1000])
    # a point, no refs, objects given as JSON text
    pt = media.parse_row(_row(["imgs/a.png"], "<image>click <bbox>", objects='{"ref": [], "bbox": [[6, 2]]}'),
                         base_dir=str(folder))
    assert pt.objects.bboxes == [[6.0, 2.0]] and pt.objects.refs == []
    norm = grounding.parse_objects({"ref": ["x"], "bbox": [[0.1, 0.2, 0.3, 0.4]], "bbox_type": "norm1"},
                                   [{"content": "<ref-object><bbox>"}], n_images=1)
    assert norm.normalized(lambda i: (1, 1), 1000) == [pytest.approx([100, 200, 300, 400])]


@pytest.mark.parametrize(
    ("objects", "content", "field", "why"),
    [
        ({"ref": ["dog"], "bbox": [[1, 1, 2, 2], [2, 2, 3, 3]]}, "<ref-object><bbox>", "objects.bbox", "2 box(es) but 1"),
        ({"ref": ["dog", "cat"], "bbox": [[1, 1, 2, 2]]}, "<ref-object><bbox>", "objects.ref", "2 ref(s) but 1"),
        ({"ref": [], "bbox": [[1, 2, 3]]}, "<bbox>", "objects.bbox[0]", "4 numbers"),
        ({"ref": [], "bbox": [[3, 1, 2, 2]]}, "<bbox>", "objects.bbox[0]", "x2 < x1"),
        ({"ref": [], "bbox": [[-1, 1, 2, 2]]}, "<bbox>", "objects.bbox[0]", "negative"),
        ({"ref": [], "bbox": [[0.1, 0.1, 1.5, 0.2]], "bbox_type": "norm1"}, "<bbox>", "objects.bbox[0]", "[0, 1]"),
        ({"ref": [], "bbox": [[1, 1, 2, 2]], "bbox_type": "pixels"}, "<bbox>", "objects.bbox_type", "real, norm1"),
        ({"ref": [], "bbox": [[1, 1, 2, "x"]]}, "<bbox>", "objects.bbox[0]", "expected a number"),
        ({"ref": [], "bbox": [[1, 1, 2, 2]], "image_id": 1}, "<bbox>", "objects.image_id", "1 image(s)"),
        ({"ref": [], "bbox": [[1, 1, 2, 2]], "color": "red"}, "<bbox>", "objects", "unknown key"),
    ],
)
def test_malformed_grounding_names_the_field(folder, objects, content, field, why):
    with pytest.raises(DatasetRowError) as info:
        media.parse_row(_row(["imgs/a.png"], "<image>" + content, objects=objects), source="g.jsonl", row_no=5,
                        base_dir=str(folder))
    assert (info.value.source, info.value.row, info.value.field) == ("g.jsonl", 5, field)
    assert why in info.value.reason


def test_a_real_box_outside_its_image_is_found_when_checking(folder):
    row = media.parse_row(_row(["imgs/a.png"], "<image><bbox>", objects={"ref": [], "bbox": [[1, 1, 8, 4]]}),
                          source="g.jsonl", row_no=2, base_dir=str(folder))
    with pytest.raises(DatasetRowError, match=r"g.jsonl row 2: field 'objects.bbox\[0\]': .*outside image 0 \(7x5"):
        media.check_media(row)


def test_rows_as_datasets_loads_and_stores_them(folder):
    """A jsonl read by ``datasets`` (relative paths, a string or a list per row) and an ``Image``
    column as ``datasets`` stores it (``{"bytes", "path"}``, or PIL when decoded)."""
    import json

    datasets = pytest.importorskip("datasets")
    lines = [_row("imgs/a.png"), _row(["imgs/a.png", "imgs/a.png"], "<image> vs <image>"), _row(["imgs/nope.png"])]
    path = folder / "train.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    ds = datasets.Dataset.from_json(str(path), cache_dir=str(folder / "cache"))
    from swiftkit.data.sources import Source

    base = media.media_folder(Source(arg=str(path), label="train.jsonl", kind="file", path=str(path)))
    out = media.check_rows(ds, source="train.jsonl", base_dir=base, strict=False)
    assert [len(r.images) for r in out.rows] == [1, 2] and out.counts == {"missing file": 1}
    stored = datasets.Dataset.from_dict({"messages": [lines[0]["messages"]] * 2,
                                         "images": [[{"bytes": None, "path": str(folder / "imgs" / "a.png")}],
                                                    [{"bytes": _png(_picture()), "path": None}]]})
    stored = stored.cast_column("images", datasets.Sequence(datasets.Image(decode=False)))
    decoded = stored.cast_column("images", datasets.Sequence(datasets.Image()))
    cache = media.MediaCache()
    kinds = []
    for table in (stored, decoded):
        for row in media.iter_rows(table, source="hub"):
            kinds.append(row.images[0].kind)
            assert cache.images(row)[0].tobytes() == _picture().tobytes()
    assert kinds == ["path", "bytes", "pil", "pil"]
