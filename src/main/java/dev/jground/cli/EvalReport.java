package dev.jground.cli;

import dev.jground.eval.CocoDataset;
import dev.jground.eval.CocoEval;
import dev.jground.eval.InstanceScores;
import dev.jground.ground.Evaluation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON report of {@code jground eval}: settings, every variant's figures, the baseline's, and each image's answer. */
final class EvalReport {
    private EvalReport() {}

    static Map<String, Object> json(CocoDataset data, Evaluation evaluation, Map<Evaluation.Variant, InstanceScores> scores,
                                    InstanceScores random, Evaluation.Variant chosen, Map<String, Object> settings) {
        Map<Integer, String> names = new HashMap<>();
        for (CocoDataset.Category c : data.categories()) names.put(c.id(), c.name());
        Map<String, Object> m = new LinkedHashMap<>(settings);
        m.put("units", "percent; COCO figures null where no annotation could be measured against");
        List<Evaluation.ImageResult> results = evaluation.results();
        m.put("images_evaluated", results.size());
        m.put("images_without_annotations", results.stream().filter(r -> evaluation.categoriesOf(r.image().id()).isEmpty()).count());
        m.put("reported", chosen.name());
        List<Object> variants = new ArrayList<>();
        for (Map.Entry<Evaluation.Variant, InstanceScores> e : scores.entrySet()) {
            Evaluation.Variant v = e.getKey();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", v.name());
            row.put("heads", v.heads().name().toLowerCase(java.util.Locale.ROOT));
            row.put("normalize", v.normalize());
            row.put("offset", v.offset());
            row.putAll(figures(e.getValue()));
            row.put("objects_named", 100 * e.getValue().objectsNamed());
            variants.add(row);
        }
        m.put("variants", variants);
        m.put("random_point", figures(random));
        List<Object> perImage = new ArrayList<>();
        Map<Long, List<CocoDataset.Annotation>> annotations = data.byImage();
        for (Evaluation.ImageResult r : results) {
            Map<String, Object> im = new LinkedHashMap<>();
            im.put("id", r.image().id());
            im.put("file_name", r.image().fileName());
            im.put("answer", r.answer());
            List<Object> phrases = new ArrayList<>();
            // a kept phrase (one with a category) has a prompt in every variant, in phrase order;
            // the reported variant's tells where it landed
            Iterator<InstanceScores.Prompt> prompts = r.kept().getOrDefault(chosen, List.of()).iterator();
            for (Evaluation.Match p : r.phrases()) {
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("text", p.text());
                pm.put("root", p.root());
                pm.put("category", p.category() < 0 ? null : names.get(p.category()));
                if (p.category() >= 0 && prompts.hasNext()) {
                    InstanceScores.Prompt prompt = prompts.next();
                    InstanceScores.Outcome o = InstanceScores.outcome(prompt, annotations.getOrDefault(r.image().id(), List.of()));
                    pm.put("point", List.of(prompt.x(), prompt.y()));
                    pm.put("score", prompt.score());
                    pm.put("inside", o.inside());
                    pm.put("iou", 100 * o.iou());
                    pm.put("under", o.under().stream().map(names::get).toList());
                }
                phrases.add(pm);
            }
            im.put("phrases", phrases);
            List<Object> points = new ArrayList<>();
            for (InstanceScores.Prompt p : r.random())
                points.add(Map.of("category", names.get(p.categoryId()), "point", List.of(p.x(), p.y())));
            im.put("random_points", points);
            perImage.add(im);
        }
        m.put("per_image", perImage);
        return m;
    }

    private static Map<String, Object> figures(InstanceScores s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("points", s.points());
        m.put("pacc", 100 * s.pacc());
        m.put("miou", 100 * s.miou());
        Map<String, Object> coco = new LinkedHashMap<>();
        for (int i = 0; i < CocoEval.Summary.NAMES.size(); i++) {
            double v = s.coco().stats()[i];
            coco.put(CocoEval.Summary.NAMES.get(i), v < 0 ? null : 100 * v);
        }
        m.put("coco", coco);
        return m;
    }
}
