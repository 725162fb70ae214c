"""The questions and answers of the bundled sample archive (written for this project).

Every visitor and every case here is invented. `make_sample.py` renders these items into K2
pages in `scraped/` and writes `tests/data/sample_expected.jsonl` from them.

An item is a dict:
- id: K2 item id; cat: category key (see CATEGORIES); also: extra category keys it is listed in
- title: item title ("" for an item that lost its title)
- q, a: the clean question and answer, paragraphs as lists (what the parser must produce);
  q may be [] when the item only has an answer (the title then stands in for the question)
- raw: optional list of HTML blocks of the item text as published, with its quirks; when
  absent the blocks are rendered from q and a with "Q:"/"A:" labels
- intro: how many raw blocks the listing intro shows (default: question blocks + 1)
- page: "full" (item page published, default) or "intro_only" (no item page: only the cut
  listing intro exists, so the expected answer is the intro's answer text)
- nbsp: render with non-breaking spaces after sentences (as the old editor did)
- split_page: the item page puts the intro in div.itemIntroText and the rest in itemFullText
- cp1252: the item page is stored in cp1252 though it declares UTF-8
"""

from __future__ import annotations

# key -> (path of names, slug path)
CATEGORIES: dict[str, tuple[list[str], str]] = {
    "mb": (["muscles and bones"], "muscles-and-bones"),
    "back": (["muscles and bones", "back / spine"], "muscles-and-bones/back-spine"),
    "lbp": (["muscles and bones", "back / spine", "lower back pain"],
            "muscles-and-bones/back-spine/lower-back-pain"),
    "neck": (["muscles and bones", "back / spine", "neck pain"],
             "muscles-and-bones/back-spine/neck-pain"),
    "arth": (["muscles and bones", "arthritis"], "muscles-and-bones/arthritis"),
    "mh": (["mental health"], "mental-health"),
    "anx": (["mental health", "anxiety"], "mental-health/anxiety"),
    "dep": (["mental health", "depression"], "mental-health/depression"),
    "wh": (["women's health"], "womens-health"),
    "preg": (["women's health", "pregnancy"], "womens-health/pregnancy"),
    "ms": (["women's health", "pregnancy", "morning sickness"],
           "womens-health/pregnancy/morning-sickness"),
    "breech": (["women's health", "pregnancy", "breech baby"],
               "womens-health/pregnancy/breech-baby"),
    "fert": (["women's health", "fertility"], "womens-health/fertility"),
    "sleep": (["sleep"], "sleep"),
    "ins": (["sleep", "insomnia"], "sleep/insomnia"),
    "about": (["about acupuncture"], "about-acupuncture"),
    "safety": (["about acupuncture", "safety"], "about-acupuncture/safety"),
    "needles": (["about acupuncture", "safety", "needles"], "about-acupuncture/safety/needles"),
    "side": (["about acupuncture", "safety", "side effects"],
             "about-acupuncture/safety/side-effects"),
    "cost": (["about acupuncture", "cost and sessions"], "about-acupuncture/cost-and-sessions"),
    "dig": (["digestive health"], "digestive-health"),
    "ibs": (["digestive health", "IBS"], "digestive-health/ibs"),
    "heart": (["heart and circulation"], "heart-and-circulation"),
    "palp": (["heart and circulation", "palpitations"], "heart-and-circulation/palpitations"),
}

# One answer the experts reuse for questions they cannot answer in general terms.
STOCK_ANSWER = [
    "Thank you for your question. We are sorry, but this service can only give general "
    "information, and a question like yours really needs a proper face to face assessment by "
    "someone who can take a full history and see how you are.",
    "The best advice we can give is to contact a member local to you. Most are happy to spare "
    "a few minutes, free of charge, to talk through whether acupuncture might help before you "
    "commit to a course of treatment.",
]

ITEMS: list[dict] = [
    # ---------------------------------------------------------------- lower back pain (11)
    {
        "id": 101, "cat": "lbp", "title": "Can accupuncture help sciatia?",
        "q": ["Can accupuncture help sciatia? I have had a shooting pain from my lower back down "
              "the back of my left leg for three months and the painkillers are not touching it."],
        "a": ["Sciatica is one of the more common reasons people come to see our members, and "
              "there is a reasonable amount of evidence that acupuncture can reduce the pain and "
              "help people get moving again.",
              "The sciatic nerve can be irritated in several places, from the lower spine down "
              "through the buttock, and a practitioner will want to find out where the problem "
              "starts. If you have not already done so, it is worth asking your GP to check "
              "that nothing needs urgent attention, especially if you notice numbness in the "
              "groin or any change in bladder or bowel control.",
              "Most people would expect to see some change within four or five sessions."],
        "raw": ["<p>Q: Can accupuncture help sciatia?&nbsp; I have had a shooting pain from my "
                "lower back down the back of my left leg for three months and the painkillers "
                "are not touching it.</p>",
                "<p>A: Sciatica is one of the more common reasons people come to see our "
                "members, and there is a reasonable amount of evidence that acupuncture can "
                "reduce the pain and help people get moving again.</p>",
                "<p>The sciatic nerve can be irritated in several places, from the lower spine "
                "down through the buttock, and a practitioner will want to find out where the "
                "problem starts. If you have not already done so, it is worth asking your GP to "
                "check that nothing needs urgent attention, especially if you notice numbness "
                "in the groin or any change in bladder or bowel control.</p>",
                "<p>Most people would expect to see some change within four or five sessions."
                "</p>",
                "<p>Find an acupuncturist near you</p>"],
    },
    {
        "id": 102, "cat": "lbp", "title": "Pulled my back lifting a sofa",
        "q": ["I pulled something in my lower back lifting a sofa last weekend. Should I wait "
              "for it to settle or come for acupuncture straight away?"],
        "a": ["There is no reason to wait. Acupuncture is often used for acute back strains, "
              "and many practitioners find that people with a recent injury respond more "
              "quickly than those whose pain has been building for years.",
              "Keep moving as much as the pain allows, as bed rest tends to slow recovery. If "
              "the pain is severe, spreads down both legs, or came with a fall or a blow, see "
              "your doctor first."],
        "raw": ["<p>Q. I pulled something in my lower back lifting a sofa last weekend. Should "
                "I wait for it to settle or come for acupuncture straight away?</p>",
                "<p>A. There is no reason to wait. Acupuncture is often used for acute back "
                "strains, and many practitioners find that people with a recent injury respond "
                "more quickly than those whose pain has been building for years.</p>",
                "<p>Keep moving as much as the pain allows, as bed rest tends to slow recovery. "
                "If the pain is severe, spreads down both legs, or came with a fall or a blow, "
                "see your doctor first.</p>"],
    },
    {
        "id": 103, "cat": "lbp", "title": "Pain in my lower back since my epidural",
        "q": ["I had an epidural when my daughter was born eighteen months ago and I have had "
              "pain in my lower back around the injection site ever since. Could acupuncture "
              "help?"],
        "a": ["Back pain after childbirth is very common, and it is not always easy to say "
              "whether the epidural itself is to blame or the strain of pregnancy and labour on "
              "the lower spine. It would be sensible to ask your doctor to examine the area "
              "first, to rule out anything that needs a different kind of treatment.",
              "Once that is done, acupuncture is a reasonable option. There is good evidence "
              "for its use in chronic lower back pain, and a practitioner will also look at "
              "your sleep, energy and general recovery since the birth, which often matter as "
              "much as the back itself."],
        "nbsp": True,
    },
    {
        "id": 104, "cat": "lbp", "title": "How many sessions for chronic back pain?",
        "q": ["I have had lower back pain on and off for ten years. How many sessions of "
              "acupuncture would I need before I know if it is working?"],
        "a": ["Guidelines for chronic low back pain have suggested a course of up to ten "
              "sessions, but most of our members would review progress after four or five. "
              "By then most people have a sense of whether things are changing.",
              "What matters is not only whether the pain eases after each session but whether "
              "the improvement lasts longer each time. If relief fades within a day or two "
              "every time, talk to your practitioner about whether to carry on."],
    },
    {
        "id": 105, "cat": "lbp", "title": "Back hurts more after my first treatment",
        "q": ["My back felt worse the day after my first acupuncture session. Is that normal or "
              "has something gone wrong?"],
        "a": ["A short flare-up after a first treatment is not unusual. For a day or two the "
              "body can react to the change, and pain or stiffness can increase a little "
              "before it gets better.",
              "If the pain is much worse, or still worse after 48 hours, call your "
              "practitioner. They know exactly what they did and can judge whether anything "
              "should change at the next visit."],
        "raw": ["<p>Q: My back felt worse the day after my first acupuncture session. Is that "
                "normal or has something gone wrong?</p>",
                "<p>A: A short flare-up after a first treatment is not unusual. For a day or "
                "two the body can react to the change, and pain or stiffness can increase a "
                "little before it gets better.</p>",
                "<p>Post a question</p>",
                "<p>If the pain is much worse, or still worse after 48 hours, call your "
                "practitioner. They know exactly what they did and can judge whether anything "
                "should change at the next visit.</p>"],
    },
    {
        "id": 106, "cat": "lbp", "also": ["preg"], "title": "Back pain in pregnancy",
        "q": ["I am 24 weeks pregnant and my lower back aches all day, worse when I stand. Can "
              "I have acupuncture while pregnant?"],
        "a": ["Yes. Acupuncture is widely used for back and pelvic pain in pregnancy, and the "
              "research, while not conclusive, is encouraging. A practitioner will avoid some "
              "points during pregnancy and will usually treat you lying on your side.",
              "Tell your midwife that you are having treatment, and choose a practitioner with "
              "experience of treating pregnant women."],
    },
    {
        "id": 107, "cat": "lbp", "title": "Slipped disc at L5/S1",
        "q": ["An MRI scan showed a slipped disc at L5/S1. My physio says acupuncture might "
              "help. Is there anything I should know first?"],
        "a": ["Acupuncture is often used alongside physiotherapy for disc problems, mainly to "
              "ease pain and muscle spasm so that people can do their exercises.",
              "You can read our factsheet on back pain at "
              "www.askacupuncture.example/factsheets and bring your scan report to the first "
              "appointment so the practitioner knows what they are dealing with."],
        "raw": ["<p>Q: An MRI scan showed a slipped disc at L5/S1. My physio says acupuncture "
                "might help. Is there anything I should know first?</p>",
                "<p>A: Acupuncture is often used alongside physiotherapy for disc problems, "
                "mainly to ease pain and muscle spasm so that people can do their exercises."
                "</p>",
                "<p>You can read our factsheet on back pain at<a href=\"https://www."
                "askacupuncture.example/factsheets/\">www.askacupuncture.example/factsheets</a>"
                " and bring your scan report to the first appointment so the practitioner "
                "knows what they are dealing with.</p>"],
    },
    {
        "id": 108, "cat": "lbp", "page": "intro_only",
        "title": "Acupuncture or physiotherapy for my back?",
        "q": ["Which is better for lower back pain, acupuncture or physiotherapy?"],
        "a": ["Both have a place, and they often work well together. Physiotherapy is good at "
              "restoring strength and movement, while acupuncture can ease pain enough for "
              "people to do the exercises they have been given.",
              "The best choice depends on the cause of the pain and what you have already "
              "tried, so it is worth discussing with your GP and with both practitioners."],
    },
    {
        "id": 109, "cat": "lbp", "title": "Stiff lower back every morning",
        "q": ["Every morning my lower back is so stiff I can hardly bend to put my socks on. It "
              "eases off by lunchtime. Would acupuncture help with morning stiffness?"],
        "a": ["Stiffness that is worst in the morning and eases as you move can have several "
              "causes, from simple muscle tension to inflammatory conditions, so it is worth "
              "mentioning to your doctor, especially if you are under forty.",
              "Acupuncture is often used for this kind of stiffness, and many people find that "
              "it loosens up sooner in the day after a few sessions."],
    },
    {
        "id": 110, "cat": "lbp", "title": "Trapped nerve in my back",
        "q": ["Can acupuncture help a trapped nerve in my lower back? The pain comes and goes "
              "but some days I cannot walk far."],
        "a": ["A trapped nerve usually means a nerve root is being pressed on where it leaves "
              "the spine. Acupuncture cannot move a disc or a bone, but it can reduce the pain "
              "and the muscle spasm around the nerve, which often gives it room to settle.",
              "If you notice weakness in the leg or foot, see your doctor promptly."],
        "raw": ["<p>Q: Can acupuncture help a trapped nerve in my lower back? The pain comes "
                "and goes but some days I cannot<br>walk far.</p>",
                "<p>A: A trapped nerve usually means a nerve root is being pressed on where it "
                "leaves the spine. Acupuncture cannot move a disc or a bone, but it can reduce "
                "the pain and the muscle spasm around<br />the nerve, which often gives it room "
                "to settle.</p>",
                "<p>If you notice weakness in the leg or foot, see your doctor promptly.</p>"],
    },
    {
        "id": 111, "cat": "lbp", "title": "Back pain from sitting at a desk",
        "q": ["I sit at a desk all day and by the evening my lower back is aching. Is this "
              "something acupuncture can treat, or do I just need a better chair?"],
        "a": ["Probably a bit of both. Long hours of sitting put a steady load on the lower "
              "back. A better chair, a screen at eye level and regular breaks all help.",
              "Acupuncture can ease the aching and the tight muscles that build up. Your "
              "practitioner may also suggest simple stretches. It is the combination that "
              "usually works best."],
        "raw": ["<p>Q: I sit at a desk all day and by the evening my lower back is aching. Is "
                "this something acupuncture can treat, or do I just need a better chair?</p>",
                "<p>A: Probably a bit of both.Long hours of sitting put a steady load on the "
                "lower back. A better chair, a screen at eye level and regular breaks all help."
                "</p>",
                "<p>Acupuncture can ease the aching and the tight muscles that build up.Your "
                "practitioner may also suggest simple stretches. It is the combination that "
                "usually works best.</p>"],
    },
    # ---------------------------------------------------------------- neck pain (3)
    {
        "id": 112, "cat": "neck", "title": "Stiff neck after sleeping awkwardly",
        "q": ["I woke up with a stiff neck and cannot turn my head to the left. Can acupuncture "
              "help?"],
        "a": ["A stiff neck after an awkward night usually settles within a week, but "
              "acupuncture is commonly used to speed things up, and a single session often "
              "brings noticeable relief."],
        "raw": ["<p>Q : I woke up with a stiff neck and cannot turn my head to the left. Can "
                "acupuncture help?</p>",
                "<p>A : A stiff neck after an awkward night usually settles within a week, but "
                "acupuncture is commonly used to speed things up, and a single session often "
                "brings noticeable relief.</p>"],
    },
    {
        "id": 113, "cat": "neck", "title": "Whiplash after a car accident", "cp1252": True,
        "q": ["I was hit from behind outside a café six weeks ago and have had whiplash ever "
              "since – my neck aches and I get headaches. Is it too soon for acupuncture?"],
        "a": ["It’s not too soon. Once you have been checked by a doctor after the accident, "
              "acupuncture can be used at any stage of recovery from whiplash.",
              "Many of our members see people after road accidents, often alongside "
              "physiotherapy or osteopathy. Let the practitioner know about any claim in "
              "progress, as they may be asked for notes later."],
    },
    {
        "id": 114, "cat": "neck", "title": "Neck pain and headaches",
        "q": ["I get tension headaches that seem to start in my neck and shoulders. Would "
              "acupuncture be worth trying?"],
        "a": ["We think it would. There is good evidence for acupuncture in tension-type "
              "headache, and guidelines in several countries now include it as an option.",
              "A practitioner will usually treat the neck and shoulders as well as points "
              "elsewhere in the body, and may suggest changes to posture or work habits."],
        "raw": ["<p>Q: I get tension headaches that seem to start in my neck and shoulders. "
                "Would acupuncture be worth trying?</p>",
                "<p>A:We think it would. There is good evidence for acupuncture in tension-type "
                "headache, and guidelines in several countries now include it as an option.</p>",
                "<p>A practitioner will usually treat the neck and shoulders as well as points "
                "elsewhere in the body, and may suggest changes to posture or work habits.</p>"],
    },
    # ---------------------------------------------------------------- arthritis (2)
    {
        "id": 115, "cat": "arth", "title": "Osteoarthritis in both knees",
        "q": ["I am 71 and have osteoarthritis in both knees. Walking to the shops is getting "
              "harder. Is acupuncture any use for arthritis?"],
        "a": ["Acupuncture cannot reverse the changes in the joint, but many people with "
              "osteoarthritis of the knee find that it reduces pain and stiffness, and some "
              "studies support this.",
              "It is safe alongside most medication. Let your practitioner know about any "
              "blood thinners you take, and keep up the gentle exercise your doctor or physio "
              "recommends."],
    },
    {
        "id": 131, "cat": "arth", "title": "Stiffness in my back when I wake up",
        "q": ["My back is really stiff when I wake up in the morning and it takes a couple of "
              "hours to loosen. Could acupuncture help with this stiffness?"],
        "a": ["Morning stiffness that wears off as the day goes on is common with wear and tear "
              "in the spine, but if it lasts more than an hour or you are young, ask your "
              "doctor about tests for inflammatory arthritis.",
              "Acupuncture is often used for stiffness like this, and regular treatment can "
              "help people get going more easily in the morning."],
    },
    # ---------------------------------------------------------------- anxiety (3)
    {
        "id": 116, "cat": "anx", "title": "Anxiety and panic attacks",
        "q": ["Can acupuncture help with anxiety? I have had panic attacks since last year.",
              "Also, would I need to stop my medication?"],
        "a": ["Many people come to acupuncture for anxiety, and a number of studies suggest it "
              "can reduce symptoms, though the evidence is still developing.",
              "You should not stop or change any medication without talking to your doctor. "
              "Acupuncture can be used alongside it, and your practitioner will want to know "
              "what you take."],
        "raw": ["<p>Q: Can acupuncture help with anxiety? I have had panic attacks since last "
                "year.</p>",
                "<p>Q: Also, would I need to stop my medication?</p>",
                "<p>A: Many people come to acupuncture for anxiety, and a number of studies "
                "suggest it can reduce symptoms, though the evidence is still developing.</p>",
                "<p>You should not stop or change any medication without talking to your "
                "doctor. Acupuncture can be used alongside it, and your practitioner will want "
                "to know what you take.</p>"],
        "intro": 3,
    },
    {
        "id": 117, "cat": "anx", "title": "Feeling anxious all the time",
        "q": ["I feel on edge all the time, my heart pounds and I cannot concentrate at work. "
              "My doctor says it is generalised anxiety. Would acupuncture calm me down?"],
        "a": ["From a Chinese medicine point of view, constant anxiety is often seen as a sign "
              "that the body and mind are out of balance, and treatment aims to settle the "
              "whole system rather than only the symptom.",
              "Many patients say they feel calmer and sleep better after a few sessions. It is "
              "worth carrying on with any talking therapy your doctor has suggested."],
    },
    {
        "id": 118, "cat": "anx", "title": "Exam stress",
        "q": ["My son is 17 and so stressed about his exams that he is not sleeping. Is he old "
              "enough for acupuncture?"],
        "a": ["Yes. Acupuncture is used for teenagers, and practitioners often use fewer and "
              "finer needles for younger patients.",
              "As he is under 18, a parent will usually be asked to give consent and may be "
              "asked to stay in the room."],
        "raw": ["<p>q:</p>",
                "<p>My son is 17 and so stressed about his exams that he is not sleeping. Is he "
                "old enough for acupuncture?</p>",
                "<p>a:</p>",
                "<p>Yes. Acupuncture is used for teenagers, and practitioners often use fewer "
                "and finer needles for younger patients.</p>",
                "<p>As he is under 18, a parent will usually be asked to give consent and may "
                "be asked to stay in the room.</p>"],
        "intro": 4,
    },
    # ---------------------------------------------------------------- depression (2)
    {
        "id": 119, "cat": "dep", "title": "Acupuncture alongside antidepressants",
        "q": ["I take sertraline for depression. Is it safe to have acupuncture at the same "
              "time?"],
        "a": ["Yes, acupuncture is safe alongside antidepressants, and a number of people have "
              "both. Tell your practitioner what you take and at what dose.",
              "Please do not reduce your medication because you are having acupuncture; any "
              "change should be planned with your doctor."],
    },
    {
        "id": 138, "cat": "dep", "title": "Low mood every winter",
        "q": ["Every winter I feel low and tired and want to hide away until spring. Will "
              "acupuncture help my winter blues?"],
        "a": STOCK_ANSWER,
    },
    # ---------------------------------------------------------------- morning sickness (3)
    {
        "id": 120, "cat": "ms", "title": "Morning sickness at 9 weeks",
        "q": ["I am 9 weeks pregnant and sick every morning – and often all day. Ginger "
              "hasn’t helped. Can acupuncture help with nausea?"],
        "a": ["Nausea and vomiting in early pregnancy are among the conditions for which "
              "acupuncture has been studied most, and many women find it helps. The point "
              "on the inner wrist that travel bands press on is one of those used.",
              "Treatment is safe in early pregnancy when given by a qualified practitioner. "
              "If you cannot keep fluids down, contact your midwife or GP straight away."],
        "raw": ["<p>Q: I am 9 weeks pregnant and sick every morning &ndash; and often all day. "
                "Ginger hasn&rsquo;t helped. Can acupuncture help with nausea?</p>",
                "<p>A: Nausea and vomiting in early pregnancy are among the conditions for "
                "which acupuncture has been studied most, and many women find it helps. The "
                "point on the inner wrist that travel bands press on is one of those used.</p>",
                "<p>Treatment is safe in early pregnancy when given by a qualified "
                "practitioner. If you cannot keep fluids down, contact your midwife or GP "
                "straight away.</p>"],
    },
    {
        "id": 121, "cat": "ms", "title": "Is acupuncture safe in early pregnancy?",
        "q": ["Is acupuncture safe in the first three months of pregnancy? I have heard some "
              "points can cause a miscarriage."],
        "a": ["When given by a qualified practitioner, acupuncture in early pregnancy is "
              "considered safe, and studies have not found a higher rate of miscarriage.",
              "Practitioners do avoid certain points during pregnancy as a precaution. Always "
              "tell your practitioner you are pregnant, even if it is very early."],
    },
    {
        "id": 122, "cat": "ms", "title": "Can acupuncture help hyperemesis gravidarum?",
        "q": [],
        "a": ["Hyperemesis is much more severe than ordinary morning sickness and needs "
              "medical care first, as dehydration can become dangerous quickly.",
              "Some women do have acupuncture alongside their hospital treatment and find it "
              "eases the nausea. Please speak to your midwife before booking."],
        "raw": ["<p>A: Hyperemesis is much more severe than ordinary morning sickness and needs "
                "medical care first, as dehydration can become dangerous quickly.</p>",
                "<p>Some women do have acupuncture alongside their hospital treatment and find "
                "it eases the nausea. Please speak to your midwife before booking.</p>"],
        "intro": 1,
    },
    # ---------------------------------------------------------------- breech baby (2)
    {
        "id": 123, "cat": "breech", "title": "Breech baby at 34 weeks",
        "q": ["I am 34 weeks pregnant.", "My baby is breech.",
              "Is it too late to try moxibustion to turn her?"],
        "a": ["It is not too late. Moxibustion to encourage a breech baby to turn is usually "
              "started between 32 and 35 weeks, so you are in the right window.",
              "Your practitioner will show you how to do it safely at home, usually once or "
              "twice a day for about ten days. Let your midwife know so that the baby's "
              "position can be checked."],
        "raw": ["<p>Q: I am 34 weeks pregnant.<br>My baby is breech.<br>Is it too late to try "
                "moxibustion to turn her?</p>",
                "<p>A: It is not too late. Moxibustion to encourage a breech baby to turn is "
                "usually started between 32 and 35 weeks, so you are in the right window.</p>",
                "<p>Your practitioner will show you how to do it safely at home, usually once "
                "or twice a day for about ten days. Let your midwife know so that the baby's "
                "position can be checked.</p>"],
    },
    {
        "id": 125, "cat": "breech", "title": "",
        "q": [],
        "a": ["Moxa sticks get very hot, so they should only be used exactly as your "
              "practitioner has shown you, held well away from the skin and put out in water "
              "or sand afterwards.",
              "Stop if you feel the baby is unusually active or you have any pain or bleeding, "
              "and contact your midwife."],
        "raw": ["<p>A: Moxa sticks get very hot, so they should only be used exactly as your "
                "practitioner has shown you, held well away from the skin and put out in water "
                "or sand afterwards.</p>",
                "<p>Stop if you feel the baby is unusually active or you have any pain or "
                "bleeding, and contact your midwife.</p>"],
        "intro": 1,
    },
    # ---------------------------------------------------------------- fertility (2)
    {
        "id": 124, "cat": "fert", "title": "Trying to conceive at 44",
        "q": ["I am 44 and have been trying for a baby for two years. Can acupuncture help me "
              "get pregnant?"],
        "a": STOCK_ANSWER,
    },
    {
        "id": 126, "cat": "fert", "page": "intro_only", "title": "Acupuncture during IVF",
        "q": ["We are starting our second round of IVF next month. When should I have "
              "acupuncture?"],
        "a": ["Many clinics are happy for patients to have acupuncture during IVF, and some "
              "offer it themselves. Practitioners often suggest starting a few weeks before "
              "treatment begins.",
              "The research on whether it improves pregnancy rates is mixed, but many women say "
              "it helps them cope with the stress of treatment."],
    },
    # ---------------------------------------------------------------- women's health (1)
    {
        "id": 127, "cat": "wh", "title": "Hot flushes in the menopause",
        "q": ["I am 52 and having hot flushes day and night. I would rather not take HRT. "
              "Could acupuncture help?"],
        "a": ["Hot flushes are one of the menopause symptoms most often treated with "
              "acupuncture, and some trials have found a reduction in how often and how "
              "strongly they come.",
              "Treatment also looks at sleep, mood and energy, which are often affected at the "
              "same time. Most people would have weekly sessions to begin with."],
        "raw": ["<p>Q: I am 52 and having hot flushes day and night.I would rather not take HRT. "
                "Could acupuncture help?</p>",
                "<p>A: Hot flushes are one of the menopause symptoms most often treated with "
                "acupuncture, and some trials have found a reduction in how often and how "
                "strongly they come.</p>",
                "<p>Treatment also looks at sleep, mood and energy, which are often affected at "
                "the same time. Most people would have weekly sessions to begin with.</p>"],
    },
    # ---------------------------------------------------------------- insomnia (3)
    {
        "id": 128, "cat": "ins", "title": "Insomina for years",
        "q": ["I have had insomina for years. I fall asleep fine but wake at 4am and lie there "
              "until the alarm. Is acupuncture any good for insomnia?"],
        "a": ["Sleep problems are one of the most common reasons people try acupuncture, and "
              "many report sleeping better, often within the first few sessions.",
              "In Chinese medicine, waking at the same time each night is a useful clue, and "
              "your practitioner will ask about it in detail."],
        "raw": ["<p>Q. I have had insomina for years. I fall asleep fine but wake at 4am and lie "
                "there until the alarm. Is acupuncture any good for insomnia?</p>",
                "<p>A. Sleep problems are one of the most common reasons people try "
                "acupuncture, and many report sleeping better, often within the first few "
                "sessions.</p>",
                "<p>In Chinese medicine, waking at the same time each night is a useful clue, "
                "and your practitioner will ask about it in detail.</p>"],
    },
    {
        "id": 129, "cat": "ins", "title": "Waking at 3am every night",
        "q": ["Why do I wake up at 3am every night, and can acupuncture stop it?"],
        "a": ["As our factsheet on insomnia explains the evidence for acupuncture in sleep "
              "problems is growing, although more research is needed.",
              "Waking at the same hour every night is something a practitioner will take "
              "seriously, along with your diet, stress and any pain that disturbs you."],
        "raw": ["<p>Q: Why do I wake up at 3am every night, and can acupuncture stop it?</p>",
                "<p>A: As our factsheet on insomnia explains</p>",
                "<p><a href=\"/factsheets/insomnia.html\">Please click here</a></p>",
                "<p>the evidence for acupuncture in sleep problems is growing, although more "
                "research is needed.</p>",
                "<p>Waking at the same hour every night is something a practitioner will take "
                "seriously, along with your diet, stress and any pain that disturbs you. "
                "To read more about sleep please click here.</p>"],
        "intro": 4,
    },
    {
        "id": 130, "cat": "ins", "title": "Coming off sleeping tablets",
        "q": ["I have taken sleeping tablets for six years and want to stop. Could acupuncture "
              "help me come off them?"],
        "a": ["Acupuncture may help with sleep while you reduce the tablets, but coming off "
              "them must be done slowly and with your doctor's help, as stopping suddenly can "
              "cause problems.",
              "Many practitioners have experience of supporting people through this, and "
              "will work alongside the plan your doctor gives you."],
        "raw": ["<p>Q: I have taken sleeping tablets for six years and want to stop. Could "
                "acupuncture help me come off them?</p>",
                "<p>A: Acupuncture may help with sleep while you reduce the tablets, but coming "
                "off them must be done slowly and with your doctor's help, as stopping suddenly "
                "can cause problems.</p>",
                "<p>Many practitioners have experience of supporting people through this, and "
                "will work alongside the plan your doctor gives you.</p>"],
        "inline_read_more": True,
        "split_page": True,
    },
    # ---------------------------------------------------------------- needles (4)
    {
        "id": 132, "cat": "needles", "title": "Are the needles clean?",
        "q": ["How do I know the needles are clean? I am worried about infections."],
        "a": ["We answered a very similar question some time ago, and what we said then still "
              "stands:",
              "A. Our members use single-use, sterile, disposable needles that come sealed in "
              "packs and go into a sharps box straight after use. They are never reused.",
              "Members also follow a code of safe practice on hygiene, and premises are "
              "registered with the local authority where the law requires it."],
        "raw": ["<p>Q: How do I know the needles are clean? I am worried about infections.</p>",
                "<p>A: We answered a very similar question some time ago, and what we said then "
                "still stands:</p>",
                "<blockquote><p>A. Our members use single-use, sterile, disposable needles that "
                "come sealed in packs and go into a sharps box straight after use. They are "
                "never reused.</p></blockquote>",
                "<p>Members also follow a code of safe practice on hygiene, and premises are "
                "registered with the local authority where the law requires it.</p>"],
    },
    {
        "id": 134, "cat": "needles", "title": "Do the needles hurt?",
        "q": ['I tried to ask this before and the form gave me an error. Do acupuncture '
              'needles hurt? <script>alert("x")</script>'],
        "a": ["Acupuncture needles are very fine, much finer than the needles used for "
              "injections or blood tests. Most people feel a brief sharp sensation or a dull "
              "ache as the needle goes in, and then very little.",
              "If you are nervous, tell your practitioner. They can start with just a few "
              "needles so you can see what it is like."],
    },
    {
        "id": 135, "cat": "needles", "title": "How deep do the needles go?",
        "q": ["How deep do acupuncture needles go in?"],
        "a": ["It depends on the part of the body. On the hands and face a needle may go in "
              "only a few millimetres; in the thick muscles of the buttock it can be a few "
              "centimetres.",
              "Practitioners are trained in the anatomy of each point, and depth is chosen "
              "with safety in mind."],
    },
    {
        "id": 136, "cat": "needles", "title": "How long are the needles left in?",
        "q": ["How long are the needles left in during a session? I have a bad back and lying "
              "still is hard for me."],
        "a": ["The needles usually stay in for between ten and thirty minutes, though some "
              "are inserted and removed straight away.",
              "Tell your practitioner about your back. They can use pillows, treat you lying "
              "on your side or sitting, and keep the time short if lying still is difficult."],
    },
    # ---------------------------------------------------------------- side effects (2)
    {
        "id": 137, "cat": "side", "title": "Bruising after treatment",
        "q": ["I had a small bruise where one of the needles went in. Is that something to "
              "worry about?"],
        "a": ["A small bruise is one of the more common minor side effects of acupuncture and "
              "is nothing to worry about; it fades within a few days, as any bruise would.",
              "If you bruise easily or take blood thinners, tell your practitioner, and see "
              "your doctor if you notice large or unexplained bruises anywhere else."],
    },
    {
        "id": 142, "cat": "side", "title": "acupuncture safe when pregnant?",
        "q": ["is it safe to have acupuncture when you are pregnant? im 10 weeks and worried "
              "about miscarriage"],
        "a": ["Acupuncture is considered safe throughout pregnancy when given by a properly "
              "trained practitioner, and research has not shown that it causes miscarriage.",
              "There are some points that practitioners avoid in pregnancy. Make sure they "
              "know how many weeks you are, and talk to your midwife if you have any "
              "bleeding or pain."],
    },
    # ---------------------------------------------------------------- cost and sessions (2)
    {
        "id": 139, "cat": "cost", "title": "How much does acupuncture cost?",
        "q": ["How much does a session of acupuncture cost?"],
        "a": ["Fees vary across the country and between clinics, but a first session, which is "
              "usually longer, often costs a little more than follow-up sessions. Ask when you "
              "book; many clinics list their fees online."],
    },
    {
        "id": 140, "cat": "cost", "title": "How often should I have treatment?",
        "q": ["How often should I have acupuncture treatment?"],
        "a": ["Most people start with weekly sessions, and space them out as things improve. "
              "Your practitioner will suggest a plan after the first session."],
    },
    # ---------------------------------------------------------------- IBS (3)
    {
        "id": 133, "cat": "ibs", "title": "Bloating every evening",
        "q": ["My stomach bloats every evening so I look pregnant. Is acupuncture good for "
              "bloating?"],
        "a": STOCK_ANSWER,
    },
    {
        "id": 141, "cat": "ibs", "title": "IBS with constipation and diarrhoea",
        "q": ["I have IBS that swings between constipation and diarrhoea. My GP has ruled out "
              "anything serious. Would acupuncture help?"],
        "a": ["Acupuncture is often used for IBS, and some studies have found improvements in "
              "pain, bloating and bowel habit. Because IBS is so varied, the treatment is "
              "tailored to the pattern of symptoms each person has.",
              "Your practitioner may also ask about diet and stress, which play a large part "
              "in IBS for many people."],
        "raw": ["<p>Q: I have IBS that swings between constipation and diarrhoea. My GP has "
                "ruled out anything serious. Would acupuncture help?</p>",
                "<p>A: Acupuncture is often used for IBS, and some studies have found "
                "improvements in pain, bloating and bowel habit. Because IBS is so varied, the "
                "treatment is tailored to the pattern of symptoms each person has.</p>",
                "<p>Your practitioner may also ask about diet and stress, which play a large "
                "part in IBS for many people.</p>",
                "<p>Back to top</p>",
                "<p>Print | Email</p>"],
    },
    {
        "id": 143, "cat": "ibs", "title": "Acupuncture and the low FODMAP diet",
        "q": ["My dietitian has put me on the low FODMAP diet. Can I have acupuncture at the "
              "same time?"],
        "a": ["Yes. Acupuncture and dietary changes can go together, and there is no reason to "
              "choose between them.",
              "It helps to keep a simple diary of symptoms, which both your dietitian and your "
              "practitioner will find useful."],
        "nbsp": True,
    },
    # ---------------------------------------------------------------- palpitations (2)
    {
        "id": 144, "cat": "palp", "title": "Chest pain and palpitations",
        "q": ["For the last hour I have had a tight pain in my chest going into my left arm and "
              "my heart is pounding. Can acupuncture help with palpitations?"],
        "a": ["Please do not wait for an answer from us. Chest pain that spreads to the arm, "
              "with a pounding heart, can be a sign of a heart attack. Call 999 (or your local "
              "emergency number) now.",
              "Once your doctors have found the cause and you are well, acupuncture may have "
              "a place in helping with palpitations that have been checked and found to be "
              "harmless, but it is not a treatment for a medical emergency."],
    },
    {
        "id": 145, "cat": "palp", "title": "Heart racing at night",
        "q": ["I get palpatations at night when I lie down, my heart races for a few minutes "
              "and then settles. The ECG was normal. Could acupuncture help?"],
        "a": ["With a normal ECG and your doctor's reassurance, palpitations like these are "
              "often linked to stress, caffeine or poor sleep, and acupuncture is sometimes "
              "used to help.",
              "If they become more frequent, last longer, or come with chest pain, dizziness "
              "or breathlessness, see your doctor again promptly."],
    },
]
