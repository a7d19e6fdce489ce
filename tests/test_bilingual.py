"""Messages of the readers in English and Chinese (``English / 中文``): the helpers of
layers.errors and the Chinese of a reader's row reasons (new-user review: under --lang zh the
reasons were English only)."""

from __future__ import annotations

import pandas as pd
import pytest

from layers.coord_table import parse_dms, read_table
from layers.errors import InputError, bi, halves, joined, place_zh, rephrase, split_joined


def test_a_message_set_in_a_row_keeps_both_halves():
    msg = bi("no value in column 'lon'", "“lon”列没有值")
    assert msg == "no value in column 'lon' / “lon”列没有值"
    row = rephrase(msg, "row 3: {}", "第 3 行：{}")
    assert row == "row 3: no value in column 'lon' / 第 3 行：“lon”列没有值"
    assert halves(row) == ("row 3: no value in column 'lon'", "第 3 行：“lon”列没有值")
    # a plain string is split at its last " / " before Chinese; without Chinese it has none
    assert halves("a / b / 中文") == ("a / b", "中文")
    assert halves("lon / lat") == ("lon / lat", "")
    assert joined([msg, bi("b", "乙")]) == "no value in column 'lon'; b / “lon”列没有值；乙"
    assert joined(["a", "b"]) == "a; b"          # no Chinese half invented
    assert rephrase("only English", "row 2: {}", "第 2 行：{}") == \
        "row 2: only English / 第 2 行：only English"


@pytest.mark.parametrize("label, zh", [("row 8", "第 8 行"), ("rows 2-4, 7", "第 2-4、7 行"),
                                       ("feature #3 (F)", "要素 #3 (F)"),
                                       ("parcel at line 14", "第 14 行处的地块"), ("P1", "P1")])
def test_place_in_chinese(label, zh):
    assert place_zh(label) == zh


def test_a_comma_decimal_is_refused_with_the_fix_in_both_languages():
    with pytest.raises(InputError) as info:
        parse_dms("106,62")
    en, zh = halves(info.value)
    assert "use a point for decimals: 106.62" in en
    assert zh.startswith("'106,62' 不是以度为单位的坐标；小数请用小数点：106.62")
    with pytest.raises(InputError, match="分和秒须小于 60"):
        parse_dms("106°61′")


def test_each_row_reason_of_a_table_has_its_own_chinese():
    df = pd.DataFrame({"经度": ["106.6", "106,62", "", "26.5"],
                       "纬度": ["26.5", "26.5", "26.6", "106.6"]})
    gdf, problems, _ = read_table(df, "t.csv", "wgs84")
    why = list(gdf["_read_error"])
    assert why[0] == ""
    assert "第 3 行：“经度”列的值 '106,62' 不是以度为单位的坐标；小数请用小数点：106.62" in why[1]
    assert why[2] == "row 4: no value in column '经度' / 第 4 行：“经度”列没有值"
    assert "第 5 行：(26.5, 106.6) 不是经纬度（纬度超出 ±90°；经度与纬度似乎颠倒了" in why[3]
    kept = [p.message for p in problems if p.severity == "error"]
    assert len(kept) == 3 and all(m.endswith("；已保留，但无几何图形") for m in kept)


def test_a_message_survives_copy_and_pickle():
    """Problems are deep-copied (dataclasses.asdict) and pickled (workers): the halves stay."""
    import copy
    import pickle

    msg = bi("a", "甲")
    for again in (copy.deepcopy(msg), pickle.loads(pickle.dumps(msg))):
        assert again == "a / 甲" and halves(again) == ("a", "甲")


def test_joined_notes_split_only_between_whole_messages():
    """A site's notes: "; " inside a half (in brackets or not) and "/" inside a text are kept."""
    notes = ["2 ha is cultivated land (dry land; paddy field): approval (法) / 可用地中 2 ha 为耕地"
             "（旱地；水田）", "no shrub clearing; and consent (400 mm/yr) / 不得割灌；并须同意",
             "3 of 4 turbines dropped (3 D downwind / 4 D crosswind) / 3 台风机间距小于 3D/4D",
             "only English; at the end"]
    text = "; ".join(notes)
    assert split_joined(text) == notes
    assert split_joined(notes[0]) == notes[:1]
    assert split_joined("") == [] and split_joined(float("nan")) == []
