"""Issue 7 §2: an uncategorised grid event gets its suggested type from the district's trained model
where one is installed (labels = the categories' codes), and from the keyword rules otherwise."""

from __future__ import annotations

import pytest

from xinfang.grid.models import CategoryDue, DisputeCategory
from xinfang.grid.seed import categories_seed
from xinfang.grid.suggest import category_suggest
from xinfang.textmining import classifier

pytestmark = pytest.mark.django_db

TRAINING = [
    ("邻居装修噪音扰民，楼上每天深夜施工", "neighbour"),
    ("楼上邻居漏水到我家，协商不成", "neighbour"),
    ("隔壁邻居占用公共楼道堆放杂物", "neighbour"),
    ("包工头拖欠三个月工资不发", "wage_arrears"),
    ("工地老板欠薪，农民工讨薪无门", "wage_arrears"),
    ("公司欠发工资半年，要求结算", "wage_arrears"),
]


@pytest.fixture
def categories():
    categories_seed(DisputeCategory, CategoryDue)
    return {c.code: c for c in DisputeCategory.objects.all()}


@pytest.fixture
def model_dir(tmp_path, settings):
    settings.XINFANG_TEXTMINING_MODEL_DIR = str(tmp_path / "models")
    classifier._cache.clear()
    yield tmp_path / "models"
    classifier._cache.clear()


def test_without_a_model_the_keyword_rules_suggest(categories, model_dir):
    suggestion = category_suggest("包工头拖欠工资")
    assert suggestion is not None and suggestion.category.code == "wage_arrears"


def test_a_trained_model_suggests_first(categories, model_dir, settings):
    model = classifier.train([t for t, _c in TRAINING], [c for _t, c in TRAINING])
    classifier.save(model, settings.XINFANG_GRID_CATEGORY_MODEL)
    # No keyword of any category in the text: only the model can suggest.
    suggestion = category_suggest("楼上深夜施工噪音，协商不成")
    assert suggestion is not None
    assert suggestion.category.code == "neighbour"
    assert 0 < suggestion.score <= 1


def test_a_model_label_that_is_no_category_falls_back_to_the_rules(categories, model_dir, settings):
    model = classifier.train([t for t, _c in TRAINING], ["甲类" if c == "neighbour" else "乙类" for _t, c in TRAINING])
    classifier.save(model, settings.XINFANG_GRID_CATEGORY_MODEL)
    suggestion = category_suggest("包工头拖欠工资")
    assert suggestion is not None and suggestion.category.code == "wage_arrears"
