"""Evaluate an exported model on the inner dev (last 2000 train-part sentences, OOF lexicon of fold 9)
with one pass or two passes (document-cache lexicon)."""
import sys
from feats import split, fold_lexicons, spans
from infer import Tagger
train, _ = split()
fold_of, lexs, full = fold_lexicons(train)
dev = train[-2000:]
t = Tagger(sys.argv[1]); t.lex = lexs[9]; t.fz.lex = lexs[9]
lines = [x for x, _ in dev]
def sc(pred):
    tp=fp=fn=0
    for (x,g),p in zip(dev,pred):
        G=spans(g); P=set(p); tp+=len(G&P); fp+=len(P-G); fn+=len(G-P)
    return round(tp/(tp+fp),4), round(tp/(tp+fn),4), round(2*tp/(2*tp+fp+fn),4)
print("one pass", sc(t.tag(lines)))
for ch in [int(a) for a in sys.argv[2:]]:
    print("two pass chunk", ch, sc(t.tag2(lines, ch)))
