"""The one table of terms of the workbook: English, the Chinese of the source texts, a meaning.

The lessons draw their business ideas from Chinese business-school texts (see the curriculum);
students who learned a term in Chinese find it here beside the English the lessons use, with a
one-sentence meaning and the lessons that use it.  Every glossary in the workbook — the one in
lesson 00, a lesson's own glossary cell, the footer of a rendered report — is generated from
:data:`TERMS`, and a test checks that each term really appears in the lessons it names.

- :data:`TERMS` — the entries, a tuple of frozen :class:`Term`;
- :func:`terms` — the table as a DataFrame, for one lesson or all;
- :func:`glossary_markdown` — a Markdown table for a notebook cell;
- :func:`glossary_html` — an HTML section for a report footer (everything escaped; it declares
  :data:`FONT_STACK`, so the Chinese renders wherever a CJK font is installed).

Chinese terms are in traditional characters, as in the source texts; the simplified form is
given where it differs.  Nothing is read at import.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from crmlib.exceptions import ParameterError

__all__ = [
    "FONT_STACK",
    "LESSONS",
    "TERMS",
    "TERMS_BY_NAME",
    "Term",
    "glossary_html",
    "glossary_markdown",
    "terms",
]

#: The lessons, as the two-digit numbers of ``notebooks/NN_topic.ipynb``.
LESSONS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09")

#: CSS font families for text mixing Latin and Chinese: a Latin face first, then the common
#: CJK faces of Linux (Noto / Source Han), macOS (PingFang) and Windows (JhengHei / YaHei).
FONT_STACK = (
    '"Noto Sans", "Segoe UI", Helvetica, Arial, "Noto Sans CJK TC", "Noto Sans CJK SC", '
    '"Source Han Sans TC", "Source Han Sans SC", "PingFang TC", "PingFang SC", '
    '"Microsoft JhengHei", "Microsoft YaHei", sans-serif'
)


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes
    ----------
    term : str
        The English term as the lessons use it.
    chinese : str
        The Chinese term in traditional characters ('' where no settled Chinese term exists).
    simplified : str
        The simplified form, when it differs from ``chinese`` ('' otherwise).
    definition : str
        One sentence.
    lessons : tuple of str
        The lessons that use it ("00" … "09").
    also : tuple of str
        Other forms that count as the term appearing in a lesson (abbreviations, spellings).
    """

    term: str
    chinese: str
    simplified: str
    definition: str
    lessons: tuple[str, ...]
    also: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """Every form of the term: English, other forms, traditional and simplified Chinese."""
        english = re.sub(r"\s*\(.*?\)\s*", " ", self.term).strip()
        out = [self.term, english, *self.also, self.chinese, self.simplified]
        return tuple(dict.fromkeys(f for f in out if f))

    def appears_in(self, text: str) -> bool:
        """Whether any form of the term appears in ``text``.

        Case is ignored; hyphens, underscores and runs of whitespace count as one space (so
        ``rfm_scores`` mentions RFM and ``Gamma Gamma`` mentions Gamma-Gamma); a Latin form
        must be a whole word, optionally followed by a plural ``s``/``es``.

        >>> TERMS_BY_NAME["cohort"].appears_in("Cohorts by first purchase month")
        True
        >>> TERMS_BY_NAME["lift"].appears_in("a shoplifter")
        False
        """
        haystack = _normal(text)
        for form in self.forms:
            needle = _normal(form)
            if re.search(r"[A-Za-z0-9]", needle):
                pattern = r"(?<![a-z0-9])" + re.escape(needle) + r"(?:s|es)?(?![a-z0-9])"
                if re.search(pattern, haystack):
                    return True
            elif needle in haystack:
                return True
        return False


def _normal(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("é", "e")
    return re.sub(r"[\s_\-]+", " ", text)


def _t(term: str, chinese: str, simplified: str, lessons: str, definition: str,
       also: tuple[str, ...] = ()) -> Term:
    return Term(term, chinese, simplified if simplified != chinese else "", definition,
                tuple(lessons.split()), also)


# Lessons 00, 02 and 03 are named only where the notebook uses the term (checked by
# tests/test_glossary.py); lessons 01 and 04-09 follow the curriculum until they are written.
TERMS: tuple[Term, ...] = (
    # --- lesson 00: the customer database --------------------------------------------------
    _t("customer database", "顧客數據庫", "顾客数据库", "00",
       "One record per customer joining what is known about them: basic, address, financial, "
       "behavioural and contact data."),
    _t("basic data", "基本數據", "基本数据", "00",
       "The part of a customer record that describes the person: gender, age, marital status, "
       "children, family stage."),
    _t("address data", "地址數據", "地址数据", "00",
       "Where a customer lives and shops: region, city tier, home store."),
    _t("financial data", "財務數據", "财务数据", "00",
       "A customer's money relationship with the firm: first and last order, number of "
       "orders, average order value, credit rating."),
    _t("behavioural data", "行為數據", "行为数据", "00",
       "What and how a customer buys: channels, promotions used, categories bought."),
    _t("contact data", "聯繫數據", "联系数据", "00",
       "Name, e-mail and phone: personal data that identifies a person and never appears in "
       "a report."),
    _t("average order value", "客單價", "客单价", "00",
       "Revenue divided by the number of orders, per customer or for a group."),
    _t("ground truth", "真實參數", "真实参数", "00 02 03",
       "The parameters the teaching data was simulated from, against which every estimate in "
       "the workbook is checked.", ("truth",)),
    _t("row reconciliation", "行數核對", "行数核对", "00",
       "The account a loader gives of a file: rows read equal rows kept plus rows set aside, "
       "per reason.", ("reconciliation",)),
    _t("privacy of customer information", "客戶信息的安全與隱私保護", "客户信息的安全与隐私保护",
       "00",
       "Protecting personal data by encryption, access control, a privacy policy and "
       "compliance; in the workbook, by pseudonyms and reports free of contact data.",
       ("privacy",)),
    _t("pseudonym", "假名", "假名", "00 01 02 03 05 06 07 08 09",
       "A keyed code (HMAC) that replaces a customer id in anything shown, so tables still "
       "join but nobody without the key can link a row to a person.", ("pseudonymised",
                                                                       "pseudonymized")),
    _t("Pareto principle", "帕累托法則", "帕累托法则", "00 02",
       "The observation that a small share of customers (often about 20%) brings most of the "
       "revenue (often about 80%)."),
    _t("decile", "十分位", "十分位", "00 03",
       "One of ten equal-sized groups of customers ranked by a score or a value."),
    # --- lesson 01: market analysis ---------------------------------------------------------
    _t("macro environment", "宏觀環境", "宏观环境", "01",
       "The economy, population, policy and technology around a market, which no single firm "
       "controls."),
    _t("industry environment", "行業環境", "行业环境", "01",
       "The structure of an industry: its size, growth, competitors, suppliers and entry "
       "barriers."),
    _t("regional environment", "地域環境", "地域环境", "01",
       "How market size, growth and competition differ between regions."),
    _t("target customers", "目標客戶群體", "目标客户群体", "01",
       "The customer group a firm chooses to serve, described by its traits, needs and "
       "behaviour.", ("target customer",)),
    _t("competitor analysis", "競品分析", "竞品分析", "01",
       "Comparing competitors' share, prices, products and strategy with one's own."),
    _t("brand positioning", "品牌定位", "品牌定位", "01",
       "The place a brand aims to hold in customers' minds relative to its competitors."),
    _t("core advantage", "核心優勢", "核心优势", "01",
       "What a firm does better than its competitors and customers value."),
    _t("product selling points", "產品賣點提煉", "产品卖点提炼", "01",
       "The few product features, distilled from customer needs, that a message leads with.",
       ("selling point",)),
    _t("product life cycle", "產品生命周期", "产品生命周期", "01",
       "The stages of a product's sales over time: introduction, growth, maturity and "
       "decline."),
    _t("market share", "市場份額", "市场份额", "01",
       "A firm's sales as a fraction of all sales in its market."),
    _t("compound annual growth rate (CAGR)", "複合年增長率", "复合年增长率", "01",
       "The constant yearly growth rate that turns a starting value into an ending value over "
       "a number of years.", ("CAGR",)),
    _t("Herfindahl-Hirschman index (HHI)", "赫芬達爾指數", "赫芬达尔指数", "01",
       "The sum of the squared market shares of all firms: near 0 for a fragmented market, 1 "
       "(or 10,000 in points) for a monopoly.", ("HHI",)),
    _t("positioning map", "定位圖", "定位图", "01",
       "A chart placing brands on two attributes customers care about, such as price and "
       "quality."),
    _t("seasonality", "季節性", "季节性", "01",
       "A pattern in sales that repeats every year (or week), separated from the trend before "
       "forecasting."),
    # --- lesson 02: segmentation and grading ------------------------------------------------
    _t("market segmentation", "市場細分", "市场细分", "02",
       "Dividing a market into groups of customers who differ in needs or behaviour, so each "
       "group can be served in its own way.", ("segmentation",)),
    _t("geographic segmentation", "地理細分", "地理细分", "02",
       "Segmentation by where customers are: region, city size, climate.", ("geographic",)),
    _t("demographic segmentation", "人口細分", "人口细分", "02",
       "Segmentation by who customers are: age, gender, income, family.", ("demographic",)),
    _t("psychographic segmentation", "心理細分", "心理细分", "02",
       "Segmentation by attitudes and lifestyle: price consciousness, innovativeness, brand "
       "loyalty.", ("psychographic",)),
    _t("behavioural segmentation", "行為細分", "行为细分", "02",
       "Segmentation by how customers buy: frequency, spend, channel, responsiveness.",
       ("behavioural", "behavioral")),
    _t("family life cycle", "家庭生命周期", "家庭生命周期", "02",
       "The stages a household passes through (young single, full nest, empty nest, solitary "
       "survivor), each with its own needs and budget."),
    _t("customer grading", "客戶分級管理", "客户分级管理", "02",
       "Ranking customers into grades by value, frequency, credit and other criteria, so each "
       "grade gets its own level of service.", ("grade", "grading")),
    _t("ABC analysis", "ABC 分類法", "ABC 分类法", "02",
       "Grading customers A, B, C by their cumulative share of revenue: the few who bring most "
       "of it are A.", ("ABC",)),
    _t("concentration curve", "洛倫茲曲線", "洛伦兹曲线", "02",
       "The cumulative share of revenue plotted against the cumulative share of customers "
       "ranked from the largest (a Lorenz curve).", ("Lorenz curve",)),
    _t("Gini coefficient", "基尼係數", "基尼系数", "02",
       "How unequal revenue is across customers: 0 if all spend the same, near 1 if one "
       "customer brings all of it.", ("Gini",)),
    _t("customer qualification", "客戶資格審查", "客户资格审查", "02",
       "Checking whether a prospect is worth a sales effort: can they pay, may they decide, do "
       "they need it, and is their credit good.", ("qualify", "qualifying")),
    _t("MAN (Money, Authority, Need)", "購買力、決策權、需求", "购买力、决策权、需求", "02",
       "A lead qualifies when the prospect has the money, the authority to buy and a need.",
       ("MAN",)),
    _t("credit", "信用", "信用", "00 02",
       "A business customer's record of paying on time, graded from A (best) downwards."),
    _t("lead", "銷售線索", "销售线索", "02",
       "A prospective (often business) customer who has shown interest but not yet bought."),
    _t("customer groups", "客戶分群", "客户分群", "02",
       "Groups of similar customers found in the data, for instance by clustering.",
       ("cluster", "clustering")),
    _t("RFM (recency, frequency, monetary value)", "RFM（最近一次消費、消費頻率、消費金額）",
       "RFM（最近一次消费、消费频率、消费金额）", "02 03",
       "Describing each customer by how recently, how often and how much they bought: the "
       "basic rule of database marketing.", ("RFM",)),
    _t("recency", "最近一次消費", "最近一次消费", "02 03",
       "How long ago a customer last bought (in BG/NBD: the time of the last repeat purchase)."),
    _t("frequency", "消費頻率", "消费频率", "02 03",
       "How often a customer bought (in BG/NBD: the number of repeat purchase days)."),
    _t("monetary value", "消費金額", "消费金额", "02",
       "How much a customer spent, in total or per order.", ("monetary",)),
    _t("cross-tabulation", "交叉表", "交叉表", "02",
       "A table counting customers by two categorical variables at once.",
       ("crosstab", "cross tab")),
    _t("chi-square test", "卡方檢驗", "卡方检验", "02",
       "A test of whether two categorical variables of a cross-tab are independent."),
    _t("Cramér's V", "克拉默 V 係數", "克拉默 V 系数", "02",
       "The strength of association in a cross-tab, from 0 (none) to 1 (complete)."),
    _t("k-means", "K 均值聚類", "K 均值聚类", "02",
       "Clustering that puts each customer with the nearest of k centres and moves the "
       "centres to their groups' means."),
    _t("Gaussian mixture", "高斯混合模型", "高斯混合模型", "02",
       "Clustering that models the data as a blend of normal distributions, giving each "
       "customer a probability of belonging to each group."),
    _t("silhouette", "輪廓係數", "轮廓系数", "02",
       "How much closer a customer is to its own cluster than to the next one, averaged: near "
       "1 for well separated clusters."),
    _t("Bayesian information criterion (BIC)", "貝葉斯信息準則", "贝叶斯信息准则", "02",
       "A model's fit penalised by its number of parameters; the lowest BIC is preferred.",
       ("BIC",)),
    _t("adjusted Rand index (ARI)", "調整蘭德指數", "调整兰德指数", "02",
       "Agreement between two groupings of the same customers, corrected for chance: 0 for "
       "random, 1 for identical.", ("ARI",)),
    _t("cluster stability", "聚類穩定性", "聚类稳定性", "02",
       "Whether clustering finds the same groups again on resampled data.", ("stability",)),
    _t("area under the ROC curve (AUC)", "ROC 曲線下面積", "ROC 曲线下面积", "02 03",
       "The probability that a score ranks a random positive case above a random negative one: "
       "0.5 is a coin toss, 1 is perfect.", ("AUC",)),
    # --- lesson 03: value and retention ---------------------------------------------------
    _t("customer value", "顧客價值", "顾客价值", "03",
       "What a customer is worth to the firm: the margin they bring now and in future."),
    _t("customer lifetime value (CLV)", "顧客終身價值", "顾客终身价值", "03",
       "The present value of the margin a customer is expected to bring over a horizon.",
       ("CLV",)),
    _t("retention rate", "留存率", "留存率", "03",
       "The share of a group of customers still buying after a given time.",
       ("retention",)),
    _t("cohort", "同期群", "同期群", "03",
       "The customers who started in the same period (e.g. first purchase month), followed "
       "together over time."),
    _t("loyalty", "忠誠度", "忠诚度", "02 03",
       "A customer's tendency to keep buying from the firm rather than from competitors."),
    _t("loyalty points", "積分", "积分", "03",
       "Points a member earns per unit of spend and redeems for rewards; the unredeemed points "
       "are a liability on the firm's books, and tier thresholds can be set in points.",
       ("points",)),
    _t("churn", "客戶流失", "客户流失", "03",
       "A customer leaving for good; in a non-contractual business it is never announced and "
       "must be inferred."),
    _t("churn warning", "流失警示", "流失警示", "03",
       "A flag on customers likely to leave soon, early enough to try to keep them."),
    _t("member tiers", "會員等級", "会员等级", "03",
       "Levels of a loyalty programme assigned by spend and frequency, each with its own "
       "rewards.", ("loyalty tier", "member level")),
    _t("tier migration", "等級遷移", "等级迁移", "03",
       "How customers move between member tiers from one period to the next.",
       ("migration",)),
    _t("BG/NBD model", "BG/NBD 模型", "BG/NBD 模型", "00 02 03",
       "A model of repeat buying in which each customer buys at their own Poisson rate until "
       "they drop out, with a chance of dropping out after each purchase.", ("BG/NBD",)),
    _t("Gamma-Gamma model", "Gamma-Gamma 模型", "Gamma-Gamma 模型", "00 03",
       "A model of spend per order in which each customer has their own mean order value, "
       "independent of how often they buy.", ("Gamma-Gamma",)),
    _t("probability alive (P(alive))", "存活概率", "存活概率", "03",
       "The probability, given a customer's frequency and recency, that they have not yet "
       "dropped out.", ("P(alive)",)),
    _t("repeat purchase", "重複購買", "重复购买", "03",
       "Any purchase after a customer's first; BG/NBD counts them on distinct purchase days."),
    _t("calibration", "校準", "校准", "03",
       "How well predicted probabilities match observed frequencies; also the period a model "
       "is fitted on, before the holdout."),
    _t("holdout period", "驗證期", "验证期", "03",
       "A later period kept out of fitting, in which the model's predictions are compared with "
       "what customers actually did.", ("holdout",)),
    _t("gains chart", "累積增益圖", "累积增益图", "03",
       "The share of all positive cases (e.g. churners) reached when acting on the top x% of "
       "customers ranked by a score.", ("gains",)),
    _t("lift", "提升度", "提升度", "03 08",
       "How many times more often an outcome occurs in a selected group (the top decile of a "
       "score, or baskets with a given item) than overall."),
    # --- lesson 04: pricing ---------------------------------------------------------------
    _t("cost analysis", "成本分析", "成本分析", "04",
       "Working out the unit cost of a product, which sets the floor below which a price "
       "loses money."),
    _t("pricing strategy", "定價策略", "定价策略", "04",
       "The rule a price is set by: cost-plus, market-based, value-based, psychological or by "
       "life-cycle stage."),
    _t("cost-plus pricing", "成本加成定價", "成本加成定价", "04",
       "Setting the price as the unit cost plus a fixed markup."),
    _t("value-based pricing", "價值定價", "价值定价", "04",
       "Setting the price from what customers are willing to pay rather than from cost."),
    _t("psychological pricing", "心理定價", "心理定价", "04",
       "Prices shaped by how customers perceive them, such as charm endings (9.99).",
       ("charm pricing",)),
    _t("price adjustment and discounts", "價格調整與優惠", "价格调整与优惠", "04",
       "Changing list prices over time: discounts, promotions, bundles and regional prices.",
       ("discount",)),
    _t("price war", "價格戰", "价格战", "04",
       "Rounds of price cuts between competitors that lower everyone's margin."),
    _t("bundling", "捆綁銷售", "捆绑销售", "04",
       "Selling several products together at one price."),
    _t("price competitiveness", "價格競爭力", "价格竞争力", "04",
       "How a firm's prices compare with competitors' for the same products.",
       ("competitor price index",)),
    _t("price sensitivity", "價格敏感度", "价格敏感度", "04",
       "How strongly customers react to a price change."),
    _t("price elasticity", "價格彈性", "价格弹性", "04",
       "The percentage change in quantity sold for a 1% change in price.", ("elasticity",)),
    _t("Van Westendorp price sensitivity meter", "價格敏感度測試（PSM）", "价格敏感度测试（PSM）",
       "04",
       "A survey that asks at which prices a product is too cheap, cheap, expensive and too "
       "expensive, to find an acceptable price range.", ("Van Westendorp",)),
    _t("conjoint analysis", "聯合分析", "联合分析", "04",
       "Estimating the value customers place on each product attribute, including price, from "
       "their choices between product profiles.", ("conjoint",)),
    _t("willingness to pay", "支付意願", "支付意愿", "04",
       "The highest price a customer would pay for a product."),
    _t("Gabor-Granger method", "Gabor-Granger 定價法", "Gabor-Granger 定价法", "04",
       "A survey that asks whether the respondent would buy at each of a ladder of prices, "
       "giving a demand curve and the revenue- or profit-maximising price.", ("Gabor-Granger",)),
    _t("part-worth utility", "成分效用", "成分效用", "04",
       "In conjoint analysis, the utility a customer draws from one level of an attribute, "
       "against a base level.", ("part-worth",)),
    _t("share of preference", "偏好份額", "偏好份额", "04",
       "The share of choices each product would win in a simulated market, from a fitted "
       "choice model."),
    _t("baseline sales", "基線銷量", "基线销量", "04",
       "The units a promoted week would have sold at the regular price without the promotion; "
       "the incremental units of a discount are measured against it.", ("baseline",)),
    _t("regional pricing", "區域定價", "区域定价", "04",
       "Setting a different price in each region, worth it only where the regions' price "
       "sensitivity differs."),
    # --- lesson 05: promotion evaluation ---------------------------------------------------
    _t("promotion evaluation", "促銷活動效果評估", "促销活动效果评估", "05",
       "Judging a promotion against its objective: sales before and after, satisfaction, "
       "brand, share and return on investment."),
    _t("advertising placement", "廣告投放策略", "广告投放策略", "05",
       "Where, when and how often ads are shown, and to whom."),
    _t("advertising effectiveness", "廣告效果評估", "广告效果评估", "05",
       "Measuring what ads achieved: exposure, click-through, conversion and sales."),
    _t("online and social-media marketing", "網絡營銷與社交媒體推廣", "网络营销与社交媒体推广",
       "05",
       "Promotion through websites, search, e-mail and social networks.", ("social media",)),
    _t("click-through rate", "點擊率", "点击率", "05",
       "Clicks divided by impressions.", ("CTR",)),
    _t("conversion rate", "轉化率", "转化率", "05",
       "The share of those reached (visitors, recipients, leads) who buy."),
    _t("return on investment (ROI)", "投資回報率", "投资回报率", "05 06",
       "The extra profit an action brings, divided by what it cost.", ("ROI",)),
    _t("A/B test", "A/B 測試", "A/B 测试", "05",
       "A randomised experiment comparing two versions of an offer or message."),
    _t("statistical power", "統計功效", "统计功效", "05",
       "The probability that an experiment detects an effect of a given size if it is real.",
       ("power",)),
    _t("difference-in-differences", "雙重差分", "双重差分", "05",
       "The change in a treated group minus the change in a comparable untreated group over "
       "the same time."),
    _t("uplift", "增益", "增益", "05",
       "The change in a customer's behaviour caused by an action (a campaign), as opposed to "
       "what they would have done anyway.", ("uplift modelling", "uplift modeling")),
    _t("Qini curve", "Qini 曲線", "Qini 曲线", "05",
       "The cumulative uplift gained by targeting customers in the order of a model's "
       "predicted uplift.", ("Qini",)),
    _t("key performance indicator (KPI)", "關鍵績效指標", "关键绩效指标", "05 09",
       "A number a plan is judged by, with a target and an owner.", ("KPI",)),
    # --- lesson 06: channels ----------------------------------------------------------------
    _t("channel selection and layout", "渠道選擇與布局", "渠道选择与布局", "06",
       "Which channels a firm sells through, how online and offline fit together, and how "
       "wide the network is."),
    _t("channel conflict", "渠道沖突", "渠道冲突", "06",
       "Friction between channels over prices, profit split or service."),
    _t("channel optimisation", "渠道優化", "渠道优化", "06",
       "Shifting effort between channels so the effect rises and the cost falls.",
       ("channel optimization",)),
    _t("marketing budget allocation", "營銷預算分配", "营销预算分配", "06 09",
       "Dividing a marketing budget across channels, campaigns and periods.",
       ("budget allocation", "budget")),
    _t("omnichannel", "全渠道", "全渠道", "06",
       "Serving the same customer consistently across stores, web, app and marketplaces."),
    _t("customer acquisition cost (CAC)", "獲客成本", "获客成本", "06",
       "What it costs, on average, to win one new customer through a channel.", ("CAC",)),
    _t("return on ad spend (ROAS)", "廣告支出回報率", "广告支出回报率", "06",
       "Revenue attributed to advertising divided by what the advertising cost.", ("ROAS",)),
    _t("attribution", "歸因", "归因", "06",
       "Sharing the credit for a conversion among the touchpoints of the journey that led to "
       "it."),
    _t("Shapley value", "沙普利值", "沙普利值", "06",
       "A fair share of credit for each channel: its average extra contribution over all "
       "orders in which channels could join.", ("Shapley",)),
    _t("marketing-mix model", "營銷組合模型", "营销组合模型", "06",
       "A regression of sales on media spend over time, with carry-over (adstock) and "
       "diminishing returns (saturation).", ("MMM",)),
    _t("adstock", "", "", "06",
       "The carry-over of advertising: part of a week's effect lasts into the weeks after."),
    _t("saturation", "飽和效應", "饱和效应", "06",
       "Diminishing returns: each extra unit of spend in a channel adds less than the one "
       "before."),
    # --- lesson 07: satisfaction -----------------------------------------------------------
    _t("satisfaction survey", "滿意度調查", "满意度调查", "07",
       "A questionnaire measuring how satisfied customers are, designed, fielded, analysed and "
       "acted upon."),
    _t("brand satisfaction survey", "品牌滿意度調查與改進", "品牌满意度调查与改进", "07",
       "Measuring how satisfied customers are with a brand as a whole, and acting on the "
       "result.", ("brand satisfaction",)),
    _t("satisfaction index", "滿意度評估體系", "满意度评估体系", "07",
       "A score combining satisfaction with product, service and the overall experience."),
    _t("complaint handling", "投訴處理", "投诉处理", "07",
       "Receiving, resolving and learning from complaints and after-sales problems.",
       ("complaint",)),
    _t("brand crisis", "品牌危機應對", "品牌危机应对", "07",
       "A sudden loss of trust in a brand; a spike in complaints is an early warning.",
       ("crisis",)),
    _t("recommendation intention", "推薦意願", "推荐意愿", "07",
       "How likely a customer says they are to recommend the firm to others.",
       ("likelihood to recommend",)),
    _t("customer satisfaction score (CSAT)", "顧客滿意度", "顾客满意度", "07",
       "The share of respondents who rate their satisfaction in the top boxes of the scale.",
       ("CSAT",)),
    _t("Net Promoter Score (NPS)", "淨推薦值", "净推荐值", "07",
       "The percentage of promoters (9–10 on a 0–10 scale) minus the percentage of detractors "
       "(0–6).", ("NPS",)),
    _t("Cronbach's alpha", "克朗巴赫 α 係數", "克朗巴赫 α 系数", "07",
       "How consistently the items of a scale measure the same thing, from 0 to 1.",
       ("Cronbach",)),
    _t("Likert scale", "李克特量表", "李克特量表", "07",
       "Answers on ordered agreement levels, e.g. from 1 (strongly disagree) to 5 (strongly "
       "agree).", ("Likert",)),
    _t("key-driver analysis", "關鍵驅動因素分析", "关键驱动因素分析", "07",
       "Finding which aspects of the experience move overall satisfaction most.",
       ("key driver",)),
    _t("importance-performance matrix", "重要性-績效矩陣", "重要性-绩效矩阵", "07",
       "A chart of each aspect's importance against its performance, showing where to improve "
       "first."),
    # --- lesson 08: cross-selling ------------------------------------------------------------
    _t("cross-selling", "交叉銷售", "交叉销售", "08",
       "Selling customers products from categories they do not yet buy.", ("cross sell",)),
    _t("long-term relationships with profitable customers", "與盈利顧客建立長久關系",
       "与盈利顾客建立长久关系", "08",
       "The steps from awareness through first and repeat purchase to cross-buying that turn a "
       "buyer into a lasting, profitable customer."),
    _t("one-to-one marketing", "一對一營銷", "一对一营销", "08",
       "Tailoring the offer and message to each customer from what is known about them."),
    _t("market-basket analysis", "購物籃分析", "购物篮分析", "08",
       "Finding which products are bought together in the same order.", ("market basket",)),
    _t("association rule", "關聯規則", "关联规则", "08",
       "A statement 'baskets with A also tend to hold B', with its support, confidence and "
       "lift."),
    _t("support", "支持度", "支持度", "08",
       "The share of all baskets that hold a given set of products."),
    _t("confidence", "置信度", "置信度", "08",
       "For a rule A → B, the share of baskets with A that also hold B."),
    _t("frequent itemset", "頻繁項集", "频繁项集", "08",
       "A set of products that appears together in at least a minimum share of baskets (the "
       "minimum support).", ("itemset",)),
    _t("leverage", "槓桿率", "杠杆率", "08",
       "For a rule A → B, support(A and B) minus support(A) x support(B): how many more "
       "baskets hold both than if A and B were independent."),
    _t("conviction", "確信度", "确信度", "08",
       "For a rule A → B, (1 - support(B)) / (1 - confidence): how much more often the rule "
       "would be wrong if A and B were independent; infinite for a rule that is never wrong."),
    _t("next-best offer", "", "", "08",
       "The product or action most likely to be valuable for a customer at their next "
       "contact."),
    # --- lesson 09: the marketing plan ---------------------------------------------------------
    _t("marketing goal setting", "營銷目標設定", "营销目标设定", "09",
       "Stating specific, quantified goals for the short, middle and long term.",
       ("marketing goal", "target")),
    _t("plan execution and monitoring", "計劃執行與監控", "计划执行与监控", "09",
       "Carrying out a plan while tracking its KPIs against targets and correcting course.",
       ("monitoring",)),
    _t("performance appraisal system", "考核體系", "考核体系", "09",
       "How teams are evaluated and rewarded against the plan's KPIs.", ("incentive",)),
)

#: The entries by English term (and by their short form, e.g. 'CLV', 'AUC').
TERMS_BY_NAME: dict[str, Term] = {}
for _entry in TERMS:
    for _form in (_entry.term, *_entry.also[:1]):
        TERMS_BY_NAME.setdefault(_form, _entry)
del _entry, _form

_COLUMNS = ["term", "chinese", "simplified", "definition", "lessons"]


def _check_lesson(lesson: Any, *, where: str, optional: bool = True) -> str | None:
    if lesson is None and optional:
        return None
    if isinstance(lesson, int) and not isinstance(lesson, bool) and 0 <= lesson <= 9:
        return f"{lesson:02d}"
    if isinstance(lesson, str) and lesson in LESSONS:
        return lesson
    raise ParameterError(
        f"The 'lesson' parameter of {where} must be one of {list(LESSONS)} (or an int 0-9)"
        f"{' or None' if optional else ''}. Got {lesson!r} (a {type(lesson).__name__}) "
        f"instead. Pass the two-digit number of the notebook, e.g. lesson='03'."
    )


def _selected(lesson: str | None) -> list[Term]:
    chosen = [t for t in TERMS if lesson is None or lesson in t.lessons]
    return sorted(chosen, key=lambda t: t.term.casefold())


def terms(lesson: str | int | None = None) -> Any:
    """The glossary as a DataFrame: all terms, or those of one lesson.

    Parameters
    ----------
    lesson : str, int or None
        "00" … "09" (or 0 … 9); None for every term.

    Returns
    -------
    DataFrame
        Columns ``term``, ``chinese`` (traditional), ``simplified`` ('' when the same),
        ``definition`` and ``lessons`` (e.g. ``'02, 03'``), sorted by term.

    Examples
    --------
    >>> table = terms("03")
    >>> table.loc[table.term == "retention rate", ["term", "chinese", "lessons"]].to_string(index=False)
    '          term chinese lessons\\nretention rate     留存率      03'
    >>> len(terms()) == len(TERMS)
    True
    """
    import pandas as pd

    lesson = _check_lesson(lesson, where="terms")
    rows = [
        (t.term, t.chinese, t.simplified, t.definition, ", ".join(t.lessons))
        for t in _selected(lesson)
    ]
    return pd.DataFrame(rows, columns=_COLUMNS)


def _chinese_text(entry: Term) -> str:
    if entry.simplified:
        return f"{entry.chinese} ({entry.simplified})"
    return entry.chinese or "—"


def glossary_markdown(lesson: str | int | None) -> str:
    """The terms of ``lesson`` as a Markdown table, for a notebook cell.

    Show it with ``display(Markdown(glossary_markdown("03")))``.  With ``lesson=None`` the
    table lists every term with the lessons that use it (lesson 00's full glossary).

    Examples
    --------
    >>> print(glossary_markdown("03").splitlines()[0])
    | term | 中文 (简体) | meaning |
    >>> print([line for line in glossary_markdown("03").splitlines() if "cohort" in line][0])
    | cohort | 同期群 | The customers who started in the same period (e.g. first purchase month), followed together over time. |
    """
    lesson = _check_lesson(lesson, where="glossary_markdown")
    entries = _selected(lesson)

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    if lesson is None:
        lines = ["| term | 中文 (简体) | meaning | lessons |", "|---|---|---|---|"]
        lines += [
            f"| {cell(t.term)} | {cell(_chinese_text(t))} | {cell(t.definition)} | "
            f"{', '.join(t.lessons)} |"
            for t in entries
        ]
    else:
        lines = ["| term | 中文 (简体) | meaning |", "|---|---|---|"]
        lines += [
            f"| {cell(t.term)} | {cell(_chinese_text(t))} | {cell(t.definition)} |"
            for t in entries
        ]
    return "\n".join(lines)


def glossary_html(lesson: str | int | None, *, heading: str = "Glossary") -> str:
    """The terms of ``lesson`` as an HTML ``<section>``, for the footer of a rendered report.

    Every text is HTML-escaped.  The section declares :data:`FONT_STACK` and marks the Chinese
    as ``lang="zh-Hant"`` / ``lang="zh-Hans"``, so a browser picks a CJK font where one is
    installed.

    Parameters
    ----------
    lesson : str, int or None
        "00" … "09"; None for every term (with a column of lessons).
    heading : str, default 'Glossary'
        The section's heading.

    Examples
    --------
    >>> page = glossary_html("02")
    >>> page.startswith('<section class="crmlib-glossary"')
    True
    >>> "Cramér&#x27;s V" in page and "PingFang SC" in page
    True
    """
    lesson = _check_lesson(lesson, where="glossary_html")
    if not isinstance(heading, str):
        raise ParameterError(
            f"The 'heading' parameter of glossary_html must be a str. Got {heading!r} (a "
            f"{type(heading).__name__}) instead."
        )
    esc = html.escape
    head = "<tr><th>term</th><th>中文</th><th>meaning</th>"
    head += "<th>lessons</th></tr>" if lesson is None else "</tr>"
    rows = []
    for t in _selected(lesson):
        chinese = f'<span lang="zh-Hant">{esc(t.chinese)}</span>' if t.chinese else "—"
        if t.simplified:
            chinese += f' <span lang="zh-Hans">({esc(t.simplified)})</span>'
        row = f"<tr><td>{esc(t.term)}</td><td>{chinese}</td><td>{esc(t.definition)}</td>"
        row += f"<td>{esc(', '.join(t.lessons))}</td></tr>" if lesson is None else "</tr>"
        rows.append(row)
    scope = "all lessons" if lesson is None else f"lesson {lesson}"
    style = esc(f"font-family: {FONT_STACK};", quote=True)
    return (
        f'<section class="crmlib-glossary" lang="en" style="{style}">\n'
        f"<h2>{esc(heading)}</h2>\n"
        f"<table>\n<caption>{esc(f'Terms of {scope}, with the Chinese of the source texts')}"
        f"</caption>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n"
        "</table>\n</section>"
    )
