"""The held-out set of `bench/bench_recall.py`: documents written from the bureau's duties
(/work/shared/seed/bureau-functions.txt, department by department) and the queries a user
would type to find them, each with the documents it should find.

The queries were written as a user types them, before any tuning of search, and are not
tuned on: HELD_OUT is measured, never adjusted to. DEV is a separate, smaller set over the
same documents for trying changes out. Half the held-out queries are Chinese, half
English; among them ordinary words, Chinese typed without spaces whose words stand apart
in the document (教育经费 for 教育专项经费), stemmed English, document numbers and archival
codes as people type them, and mixed Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Doc:
    key: str
    dept: str
    kind: str
    date: str
    title: str
    body: str
    doc_no: str | None = None
    retention: str = "D30"
    classification: str = "internal"

    @property
    def archive_code(self) -> str:
        return f"J042-WS·{self.date[:4]}-{self.retention}-{self.dept}-{DOC_NUMBERS[self.key]:04d}"


@dataclass(frozen=True)
class Query:
    text: str
    expected: tuple[str, ...]  # the documents it should find (keys)
    language: str  # "zh" or "en": the half of the set it belongs to


DOCUMENTS: list[Doc] = [
    # General Office: secretariat, archives, letters and visits, confidentiality, meetings,
    # NPC and CPPCC proposals, administrative approval
    Doc(
        "bgs-safety", "BGS", "notice", "2026-02-20",
        "关于开展2026年春季校园安全检查的通知",
        "各区（县）教育局、市直属各学校：为做好春季开学校园安全工作，市教育局决定于3月上旬在全市"
        "中小学、幼儿园开展校园安全检查。检查重点包括消防设施、校舍安全、食品安全和校车运行。各校"
        "要先行自查，建立隐患台账，限期整改，并于3月20日前将自查报告报送局办公室。",
        doc_no="市教办〔2026〕12号",
    ),
    Doc(
        "bgs-archives", "BGS", "notice", "2026-01-15",
        "市教育局办公室关于加强公文处理和档案管理工作的通知",
        "各科室、直属单位要严格执行公文处理办法，规范发文字号和签发程序。办结的文件材料应按年度及时"
        "整理归档，永久和长期保存的档案须于次年6月底前移交局档案室。涉密文件一律按保密规定登记、"
        "传阅和清退。",
        doc_no="市教办〔2026〕7号",
    ),
    Doc(
        "bgs-proposals", "BGS", "report", "2025-12-10",
        "关于2025年度人大代表建议和政协提案办理情况的报告",
        "2025年，市教育局共承办市人大代表建议36件、市政协提案42件，内容主要涉及学前教育资源扩容、"
        "课后服务、校车安全和教师待遇等方面。所有建议提案均已按期办结，代表委员满意率为100%。",
    ),
    Doc(
        "bgs-petition", "BGS", "letter", "2025-08-22",
        "信访事项答复意见书",
        "信访人王某：你反映的子女入学问题已收悉。经调查核实，你家庭住址位于市第二实验小学招生片区内，"
        "符合义务教育阶段就近入学条件。市教育局已协调学校于9月1日前办理入学手续。",
    ),
    Doc(
        "bgs-review", "BGS", "notice", "2026-03-05",
        "关于开展教育行政审批事项清理工作的通知",
        "按照深化“放管服”改革要求，现对本局实施的行政审批事项进行全面清理。清理范围包括民办学校设立"
        "审批、校外培训机构审批、教师资格认定等事项。各科室要逐项梳理法律依据、办理时限和申请材料。",
    ),
    Doc(
        "bgs-secrecy", "BGS", "notice", "2026-05-08",
        "关于做好考试保密工作的通知",
        "各单位要加强涉密人员管理，严禁在非涉密计算机上处理涉密信息。考试试卷在启用前属于国家秘密，"
        "命题、印制、运送和保管各环节须严格执行保密制度，保密室实行双人双锁和24小时视频监控。",
    ),
    Doc(
        "bgs-conference", "BGS", "notice", "2026-02-10",
        "关于召开全市教育工作会议的通知",
        "定于2月25日上午9时在市行政中心三楼会议室召开全市教育工作会议，总结2025年教育工作，部署"
        "2026年重点任务。参会人员为各区县教育局局长、市直属学校校长。",
    ),
    Doc(
        "en-minutes", "BGS", "minutes", "2026-04-02",
        "Minutes of the general office meeting on letters and visits",
        "The meeting reviewed the 58 petitions received in the first quarter. Most concerned "
        "school admission and fees charged for after-school care. Each petitioner receives a "
        "written reply within 30 days; the office keeps the files with the archives.",
    ),
    # Personnel Section
    Doc(
        "rsk-recruit", "RSK", "announcement", "2026-03-18",
        "关于2026年全市教育系统事业单位公开招聘工作人员的公告",
        "根据工作需要，市教育局所属事业单位计划公开招聘工作人员85名，其中中小学教师72名、幼儿园"
        "教师8名、会计3名、校医2名。报考教师岗位的人员须具备相应的教师资格证。笔试科目为教育公共"
        "基础知识和学科专业知识。",
    ),
    Doc(
        "rsk-graduates", "RSK", "notice", "2026-04-25",
        "关于做好2026届师范类毕业生就业工作的通知",
        "各有关学校要积极拓宽师范生就业渠道，优先推荐到农村学校和薄弱学校任教。对到乡村学校任教的"
        "师范毕业生，按规定落实学费补偿和国家助学贷款代偿政策。",
    ),
    Doc(
        "rsk-assessment", "RSK", "notice", "2025-11-30",
        "关于印发《市直属学校教师年度考核办法》的通知",
        "为建立科学合理的教师评价机制，现将修订后的考核办法印发给你们。考核内容包括师德表现、教学"
        "工作量、教学质量和专业发展四个方面，考核结果分为优秀、合格、基本合格和不合格四个等次，"
        "作为岗位聘用、职称评审和绩效工资分配的依据。",
    ),
    Doc(
        "rsk-establishment", "RSK", "approval", "2026-01-08",
        "关于市第一中学机构编制核定的批复",
        "市第一中学：你校《关于调整内设机构和人员编制的请示》收悉。经研究，同意你校设立教务处、"
        "德育处、总务处三个内设机构，核定事业编制156名，其中专任教师编制142名。",
    ),
    Doc(
        "en-appointment", "RSK", "notice", "2026-07-01",
        "Notice on appointing principals of directly affiliated schools",
        "After assessment by the Personnel Section and a public notice period, the bureau "
        "appoints Li Wei as principal of No. 1 Middle School and Zhao Min as principal of the "
        "Experimental Primary School, each for a term of three years.",
        doc_no="CEB-RSK [2026] No. 3",
    ),
    # Planning and Finance Department (Audit Department)
    Doc(
        "jck-budget", "JCK", "budget", "2026-01-20",
        "2026年市本级教育经费预算编制说明",
        "2026年市本级教育经费预算总额为12.8亿元，比上年增长6.2%。其中义务教育经费保障机制资金"
        "4.1亿元，学前教育发展资金1.2亿元，学生资助资金0.9亿元，中小学校舍安全工程资金1.5亿元。",
    ),
    Doc(
        "jck-funds", "JCK", "notice", "2026-03-20",
        "关于下达2026年第一批专项资金的通知",
        "市财政局已下达教育专项经费3200万元，用于改善农村薄弱学校办学条件和购置教学仪器设备。各区县"
        "要专款专用，严禁挤占挪用，资金使用情况纳入年度绩效评价。",
    ),
    Doc(
        "jck-audit", "JCK", "report", "2026-06-12",
        "关于市直属学校2025年度财务收支的内部审计报告",
        "局审计科对6所市直属学校2025年度财务收支进行了内部审计。审计发现部分学校食堂收支未纳入学校"
        "财务统一核算，个别学校政府采购程序不规范。已责令相关学校限期整改。",
    ),
    Doc(
        "jck-aid", "JCK", "notice", "2026-08-28",
        "关于做好2026年秋季学期学生资助工作的通知",
        "各学校要按照家庭经济困难学生认定办法，于9月30日前完成认定工作，及时发放国家助学金，落实"
        "免学费政策。资助资金必须通过学生资助卡发放，严禁以现金形式发放。",
    ),
    Doc(
        "jck-buildings", "JCK", "report", "2025-10-16",
        "全市中小学校舍安全排查情况的报告",
        "经排查，全市中小学共有C级危房1.2万平方米、D级危房0.3万平方米。D级危房已全部停止使用，"
        "C级危房已列入2026年校舍维修加固计划，所需资金由市、区两级财政共同承担。",
    ),
    Doc(
        "en-accounts", "JCK", "report", "2026-04-15",
        "Final accounts of municipal education funds, 2025",
        "Municipal education funding reached 1.09 billion yuan in 2025, up 6.2 percent. "
        "Spending on compulsory education rose fastest; the guarantee mechanism for rural "
        "schools absorbed 410 million. Unspent balances of 20 million carry over to 2026.",
    ),
    Doc(
        "en-audit", "JCK", "report", "2026-09-03",
        "Internal audit of the Teacher Training Institute's accounts",
        "The Audit Department examined the institute's income and spending for 2025. Training "
        "fees were collected correctly, but two equipment purchases bypassed the procurement "
        "procedure. The institute must report its corrections by the end of October.",
    ),
    # Basic Education Section
    Doc(
        "jjk-enrolment", "JJK", "notice", "2026-04-08",
        "关于做好2026年义务教育阶段招生入学工作的通知",
        "各区县要坚持公办民办学校同步招生，严格落实划片就近入学政策，不得以任何形式举行入学考试。"
        "进城务工人员随迁子女入学按居住证和社保缴纳情况统筹安排。",
    ),
    Doc(
        "jjk-exam", "JJK", "notice", "2026-03-25",
        "2026年初中学业水平考试（中考）和高中阶段学校招生工作方案",
        "2026年初中学业水平考试于6月18日至20日举行，考试科目为语文、数学、英语、物理、化学、道德与"
        "法治、历史和体育。普通高中招生计划按学区分配，优质高中指标到校比例不低于60%。",
    ),
    Doc(
        "jjk-kindergarten", "JJK", "opinion", "2025-09-12",
        "关于推进普惠性幼儿园建设的意见",
        "到2027年，全市普惠性幼儿园在园幼儿占比达到90%以上。新建住宅小区配套幼儿园一律办成公办园"
        "或普惠性民办园，对认定的普惠性民办园按在园幼儿人数给予生均补助。",
    ),
    Doc(
        "jjk-special", "JJK", "notice", "2026-05-20",
        "关于做好残疾儿童少年随班就读工作的通知",
        "各普通学校要接收具有接受普通教育能力的残疾儿童少年随班就读，设立资源教室，配备专职特殊"
        "教育教师。特殊教育学校要发挥指导中心作用，定期巡回指导。",
    ),
    Doc(
        "jjk-homework", "JJK", "notice", "2025-09-01",
        "关于进一步减轻义务教育阶段学生作业负担的通知",
        "小学一、二年级不布置书面家庭作业，三至六年级书面作业平均完成时间不超过60分钟，初中不超过"
        "90分钟。学校要提供课后服务，安排教师辅导学生完成作业。",
    ),
    Doc(
        "en-textbooks", "JJK", "notice", "2026-06-05",
        "Notice on selecting textbooks for primary and secondary schools",
        "Each district sets up a selection committee of teachers, researchers and parents. "
        "Textbooks are chosen from the national catalogue only, and the choice is published "
        "on the bureau's website for 15 days before orders are placed.",
        doc_no="CEB-JJK [2026] No. 9",
    ),
    Doc(
        "mix-stem", "JJK", "notice", "2026-02-28",
        "关于开展中小学STEM教育试点工作的通知",
        "决定在全市遴选20所中小学开展STEM教育试点，建设创客空间，开设编程和人工智能（AI）课程，"
        "试点学校每学期至少开展一次科技实践活动。",
    ),
    # Vocational and Adult Education Section
    Doc(
        "zck-enrolment", "ZCK", "notice", "2026-05-12",
        "2026年中等职业学校招生计划",
        "全市中等职业学校2026年计划招生9800人，其中智能制造类专业2400人、现代服务类专业3100人。"
        "各校不得跨区域违规招生，不得以任何名义收取招生费用。",
    ),
    Doc(
        "zck-certificates", "ZCK", "notice", "2026-06-01",
        "关于做好2026届中职毕业生毕业证书验印工作的通知",
        "各中等职业学校须于6月20日前将毕业生名册和学籍档案报送职成科，经审核后统一验印。未经验印的"
        "毕业证书不予认可。",
    ),
    Doc(
        "zck-private", "ZCK", "approval", "2025-07-15",
        "关于同意设立市新华民办职业培训学校的批复",
        "经审核，你单位申请设立的市新华民办职业培训学校符合办学条件，同意设立，发给办学许可证，"
        "有效期五年。学校须每年接受年度检查。",
    ),
    Doc(
        "en-adult", "ZCK", "report", "2026-01-30",
        "Annual report on adult education and community learning centres",
        "The city's 46 community learning centres enrolled 31,000 adults in 2025, mostly in "
        "literacy, computer skills and elderly care courses. Township vocational education "
        "centres trained 5,200 farmers in new farming techniques.",
    ),
    Doc(
        "en-private", "ZCK", "approval", "2026-08-10",
        "Approval of the establishment of Riverside Private School",
        "The application to establish Riverside Private School meets the conditions for running "
        "a school. The bureau grants a licence to run a school for five years, subject to the "
        "annual inspection.",
    ),
    # Sports, Health and Art Education Section
    Doc(
        "twy-fitness", "TWY", "circular", "2026-01-12",
        "2025年全市学生体质健康监测结果的通报",
        "2025年全市学生体质健康测试合格率为92.3%，优良率为51.6%，近视率较上年下降1.2个百分点。"
        "部分学校体育课开课率不足，学生每天校内体育活动时间未达到1小时。",
    ),
    Doc(
        "twy-games", "TWY", "notice", "2026-03-30",
        "关于举办全市中小学生田径运动会的通知",
        "定于5月16日至18日在市体育中心举办全市中小学生田径运动会，设小学组、初中组和高中组，各区县"
        "代表队于5月5日前报名。",
    ),
    Doc(
        "twy-art", "TWY", "notice", "2026-04-18",
        "关于举办第八届中小学生艺术展演活动的通知",
        "展演项目包括合唱、舞蹈、戏剧、器乐和绘画书法，各区县选送节目须于10月底前报送。",
    ),
    Doc(
        "en-canteens", "TWY", "report", "2026-05-28",
        "Report on the hygiene inspection of school canteens",
        "Health inspectors visited 42 school canteens in May. Thirty-eight passed; four were "
        "told to fix food storage and staff health certificates within two weeks.",
    ),
    Doc(
        "en-military", "TWY", "notice", "2026-07-20",
        "Arrangements for the military training of senior high school freshmen",
        "Freshmen of every senior high school take seven days of military training in late "
        "August, organised with the city garrison. Schools arrange medical staff on site.",
    ),
    # Ideological and Political Work and Publicity Section
    Doc(
        "sxk-ethics", "SXK", "opinion", "2025-09-05",
        "关于加强新时代中小学师德师风建设的意见",
        "把师德表现作为教师资格定期注册、年度考核和职称评审的首要要求，实行师德失范行为一票否决。"
        "各学校要建立师德档案，每年开展师德专题教育。",
    ),
    Doc(
        "sxk-awards", "SXK", "decision", "2025-09-08",
        "关于表彰2025年度全市优秀教师和优秀班主任的决定",
        "为弘扬尊师重教风尚，决定授予张丽等120名同志“全市优秀教师”称号，授予李强等60名同志“全市"
        "优秀班主任”称号。",
    ),
    Doc(
        "en-publicity", "SXK", "plan", "2026-01-05",
        "Publicity plan of the education system for 2026",
        "The section will publish a monthly newsletter, run the bureau's social media accounts "
        "and organise open days at twelve schools. Each school names one publicity officer.",
    ),
    # Teacher Training Institute
    Doc(
        "jxx-newteachers", "JXX", "notice", "2026-07-25",
        "关于举办2026年新任教师岗前培训班的通知",
        "2026年新招聘的中小学、幼儿园教师须参加岗前培训，培训时间为8月10日至20日，内容包括师德"
        "规范、课堂教学和班级管理。培训合格者颁发结业证书。",
    ),
    Doc(
        "jxx-principals", "JXX", "notice", "2026-03-02",
        "关于举办中小学校长任职资格培训的通知",
        "新任校长须在任职一年内参加不少于300学时的任职资格培训，考核合格者颁发校长任职资格培训"
        "合格证书。",
    ),
    Doc(
        "jxx-qualification", "JXX", "announcement", "2026-03-10",
        "2026年上半年中小学教师资格认定公告",
        "申请人须通过国家教师资格考试并取得合格证明，普通话水平达到二级乙等以上。网上申报时间为"
        "4月1日至4月15日，现场确认时须提交体检合格证明。",
    ),
    Doc(
        "jxx-language", "JXX", "notice", "2026-04-01",
        "关于组织2026年普通话水平测试的通知",
        "全市教师和师范类学生可报名参加普通话水平测试，测试采用计算机辅助方式，每季度举行一次。"
        "报名时须提交身份证和近期免冠照片。",
    ),
    Doc(
        "en-continuing", "JXX", "certificate", "2026-06-30",
        "Certificate of completion: continuing education for teachers",
        "This certifies that Chen Jing, teacher of mathematics at No. 3 Middle School, has "
        "completed 72 hours of continuing education at the Teacher Training Institute.",
    ),
    Doc(
        "en-whiteboards", "BGS", "notice", "2026-10-09",
        "Procurement of interactive whiteboards for rural schools",
        "The bureau will buy 300 interactive whiteboards for rural primary schools through "
        "open tender. Delivery and teacher training on the new equipment follow in November.",
    ),
]  # fmt: skip
DOC_NUMBERS = {doc.key: n for n, doc in enumerate(DOCUMENTS, start=1)}
BY_KEY = {doc.key: doc for doc in DOCUMENTS}

HELD_OUT: list[Query] = [
    # Chinese
    Query("校园安全检查", ("bgs-safety",), "zh"),
    Query("教育经费", ("jck-budget", "jck-funds"), "zh"),
    Query("档案移交", ("bgs-archives",), "zh"),
    Query("人大建议办理", ("bgs-proposals",), "zh"),
    Query("试卷保密", ("bgs-secrecy",), "zh"),
    Query("教师招聘", ("rsk-recruit",), "zh"),
    Query("师范生就业", ("rsk-graduates",), "zh"),
    Query("教师考核结果", ("rsk-assessment",), "zh"),
    Query("学生资助", ("jck-aid",), "zh"),
    Query("内部审计 食堂", ("jck-audit",), "zh"),
    Query("就近入学", ("jjk-enrolment", "bgs-petition"), "zh"),
    Query("中考招生", ("jjk-exam",), "zh"),
    Query("普惠幼儿园", ("jjk-kindergarten",), "zh"),
    Query("毕业证验印", ("zck-certificates",), "zh"),
    Query("体质健康测试", ("twy-fitness",), "zh"),
    Query("师德建设", ("sxk-ethics",), "zh"),
    Query("新教师培训", ("jxx-newteachers",), "zh"),
    Query("普通话测试", ("jxx-language",), "zh"),
    Query("市教办〔2026〕12号", ("bgs-safety",), "zh"),
    Query("STEM教育试点", ("mix-stem",), "zh"),
    # English
    Query("canteen hygiene inspection", ("en-canteens",), "en"),
    Query("petitions first quarter", ("en-minutes",), "en"),
    Query("principal appointment", ("en-appointment",), "en"),
    Query("CEB-RSK [2026] No. 3", ("en-appointment",), "en"),
    Query("final accounts education funding", ("en-accounts",), "en"),
    Query("textbook selection", ("en-textbooks",), "en"),
    Query("ceb-jjk 2026 no 9", ("en-textbooks",), "en"),
    Query("community learning centres", ("en-adult",), "en"),
    Query("publicity plan", ("en-publicity",), "en"),
    Query("continuing education certificate", ("en-continuing",), "en"),
    Query("military training freshmen", ("en-military",), "en"),
    Query("private school licence", ("en-private",), "en"),
    Query("audit training institute", ("en-audit",), "en"),
    Query("interactive whiteboards", ("en-whiteboards",), "en"),
    Query("school admission petitions", ("en-minutes",), "en"),
    Query("procurement procedure", ("en-audit",), "en"),
    Query("health inspectors canteens", ("en-canteens",), "en"),
    Query("textbooks national catalogue", ("en-textbooks",), "en"),
    Query("after-school care fees", ("en-minutes",), "en"),
    Query("J042-WS·2026-D30-JCK-0019", ("en-accounts",), "en"),
]

# For trying changes out; never used to report the figure.
DEV: list[Query] = [
    Query("校舍安全", ("jck-buildings", "bgs-safety"), "zh"),
    Query("职业学校招生", ("zck-enrolment",), "zh"),
    Query("民办学校设立", ("zck-private",), "zh"),
    Query("校长培训", ("jxx-principals",), "zh"),
    Query("优秀教师表彰", ("sxk-awards",), "zh"),
    Query("作业负担", ("jjk-homework",), "zh"),
    Query("教师资格认定", ("jxx-qualification",), "zh"),
    Query("随班就读", ("jjk-special",), "zh"),
    Query("rural whiteboards", ("en-whiteboards",), "en"),
    Query("adult literacy courses", ("en-adult",), "en"),
    Query("textbook selecting committee", ("en-textbooks",), "en"),
    Query("appointed principals", ("en-appointment",), "en"),
]
