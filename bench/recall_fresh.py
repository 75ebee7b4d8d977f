"""A fresh held-out query set over the documents of `bench/recall_set.py`.

Written on 2026-12-07 by someone who had not seen the search code or the earlier query
sets (HELD_OUT, DEV); never tuned on. 20 Chinese, 20 English queries, typed as users of
the bureau's archive would type them: Chinese without spaces with words that stand apart
in the document, a few two-word queries with a space, plain title phrases, document
numbers (one with half-width brackets), English with singular/plural and verb forms that
differ from the text, and a few queries that genuinely concern several documents.
"""

from __future__ import annotations

from bench.recall_set import Query

FRESH: list[Query] = [
    # Chinese
    Query("市教办〔2026〕12号", ("bgs-safety",), "zh"),
    Query("市教办(2026)7号", ("bgs-archives",), "zh"),
    Query("人大建议办理", ("bgs-proposals",), "zh"),
    Query("试卷保密", ("bgs-secrecy",), "zh"),
    Query("行政审批 清理", ("bgs-review",), "zh"),
    Query("事业单位招聘", ("rsk-recruit",), "zh"),
    Query("教师年度考核", ("rsk-assessment",), "zh"),
    Query("专项经费下达", ("jck-funds",), "zh"),
    Query("内部审计 食堂", ("jck-audit",), "zh"),
    Query("助学金发放", ("jck-aid",), "zh"),
    Query("D级危房", ("jck-buildings",), "zh"),
    Query("随迁子女入学", ("jjk-enrolment",), "zh"),
    Query("减轻作业负担", ("jjk-homework",), "zh"),
    Query("普惠性幼儿园", ("jjk-kindergarten",), "zh"),
    Query("残疾儿童 随班就读", ("jjk-special",), "zh"),
    Query("STEM试点", ("mix-stem",), "zh"),
    Query("毕业证书验印", ("zck-certificates",), "zh"),
    Query("体质健康监测", ("twy-fitness",), "zh"),
    Query("优秀班主任表彰", ("sxk-awards",), "zh"),
    Query("普通话测试", ("jxx-language",), "zh"),
    # English
    Query("petition reply", ("en-minutes",), "en"),
    Query("after school care fee", ("en-minutes",), "en"),
    Query("appoint principals", ("en-appointment",), "en"),
    Query("CEB-RSK [2026] No. 3", ("en-appointment",), "en"),
    Query("CEB-JJK 2026 No. 9", ("en-textbooks",), "en"),
    Query("textbook selection", ("en-textbooks",), "en"),
    Query("education fund final accounts", ("en-accounts",), "en"),
    Query("unspent balance", ("en-accounts",), "en"),
    Query("audited institute spending", ("en-audit",), "en"),
    Query("Teacher Training Institute", ("en-audit", "en-continuing"), "en"),
    Query("community learning centre", ("en-adult",), "en"),
    Query("training farmers", ("en-adult",), "en"),
    Query("Riverside school licence", ("en-private",), "en"),
    Query("canteen inspections", ("en-canteens",), "en"),
    Query("staff health certificate", ("en-canteens",), "en"),
    Query("freshman military training", ("en-military",), "en"),
    Query("monthly newsletter", ("en-publicity",), "en"),
    Query("continuing education certificate", ("en-continuing",), "en"),
    Query("interactive whiteboard tender", ("en-whiteboards",), "en"),
    Query("STEM AI", ("mix-stem",), "en"),
]
